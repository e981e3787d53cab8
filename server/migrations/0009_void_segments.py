from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models import WhereIndex

class Migration(migrations.Migration):
    dependencies = [('models', '0008_login')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Visit',
            name=None,
            fields=['community_id', 'review_state', 'status', 'occurred_at'],
        ),
        ops.AddIndex(
            model_name='Visit',
            index=WhereIndex(fields=['community_id', 'review_state', 'status', 'occurred_at'], name='visit_segments_counted', where='"voided_at" IS NULL'),
        ),
        ops.AddIndex(
            model_name='Visit',
            index=WhereIndex(fields=['community_id', 'review_state', 'status', 'occurred_at'], name='visit_segments_voided', where='NOT "voided_at" IS NULL'),
        ),
    ]

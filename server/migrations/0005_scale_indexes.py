from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_go_live')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Household',
            index=Index(fields=['building_group_id', 'room']),
        ),
        ops.AddIndex(
            model_name='Resident',
            index=Index(fields=['household_id', 'status']),
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['household_id', 'occurred_at', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['author_id', 'occurred_at']),
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['community_id', 'review_state', 'status', 'occurred_at']),
        ),
        ops.AddIndex(
            model_name='VisitQuestion',
            index=Index(fields=['visit_id', 'state']),
        ),
        ops.AddIndex(
            model_name='VisitResident',
            index=Index(fields=['resident_id', 'occurred_at']),
        ),
        ops.AddIndex(
            model_name='VisitReviewEvent',
            index=Index(fields=['visit_id', 'id']),
        ),
        ops.AddIndex(
            model_name='VisitRevision',
            index=Index(fields=['visit_id', 'id']),
        ),
    ]

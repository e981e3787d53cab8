from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_closed_months')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Resident',
            index=Index(fields=['community_id', 'status']),
        ),
    ]

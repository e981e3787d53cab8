from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_scale_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Visit',
            name='void_reason',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Visit',
            name='voided_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Visit',
            name='voided_by',
            field=fields.ForeignKeyField('models.User', source_field='voided_by_id', null=True, db_constraint=True, to_field='id', related_name='voided_visits', on_delete=OnDelete.SET_NULL),
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_void_segments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ClosedMonth',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='closed_months', on_delete=OnDelete.RESTRICT)),
                ('month', fields.CharField(max_length=7)),
                ('figures', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('lists', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('as_of', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('models.User', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name='closed_months', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'closed_month', 'app': 'models', 'unique_together': (('community', 'month'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['community_id', 'follow_up_needed', 'review_state', 'withdrawn', 'voided_at', 'follow_up_office_due', 'follow_up_due', 'occurred_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['follow_up_assignee_id', 'follow_up_needed', 'review_state']),
        ),
    ]

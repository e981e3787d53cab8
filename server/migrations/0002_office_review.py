from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models import ReviewState
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VisitReviewEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('visit', fields.ForeignKeyField('models.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='review_events', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='review_events', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharField(default='state', max_length=20)),
                ('from_state', fields.CharEnumField(null=True, description='NEW: new\nACKNOWLEDGED: acknowledged\nIN_PROGRESS: in_progress\nRESOLVED: resolved', enum_type=ReviewState, max_length=20)),
                ('to_state', fields.CharEnumField(null=True, description='NEW: new\nACKNOWLEDGED: acknowledged\nIN_PROGRESS: in_progress\nRESOLVED: resolved', enum_type=ReviewState, max_length=20)),
                ('comment', fields.TextField(default='', unique=False)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'visit_review_event', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Visit',
            name='follow_up_assignee',
            field=fields.ForeignKeyField('models.User', source_field='follow_up_assignee_id', null=True, db_constraint=True, to_field='id', related_name='assigned_follow_ups', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Visit',
            name='follow_up_office_due',
            field=fields.DateField(null=True),
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models import QuestionState, RosterChangeKind, RosterChangeState
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_office_review')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RosterChange',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='roster_changes', on_delete=OnDelete.RESTRICT)),
                ('household', fields.ForeignKeyField('models.Household', source_field='household_id', db_constraint=True, to_field='id', related_name='roster_changes', on_delete=OnDelete.RESTRICT)),
                ('resident', fields.ForeignKeyField('models.Resident', source_field='resident_id', null=True, db_constraint=True, to_field='id', related_name='roster_changes', on_delete=OnDelete.RESTRICT)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', db_constraint=True, to_field='id', related_name='roster_changes', on_delete=OnDelete.RESTRICT)),
                ('device_id', fields.CharField(default='', max_length=64)),
                ('kind', fields.CharEnumField(description='NEW_RESIDENT: new_resident\nMOVED: moved\nDECEASED: deceased\nUPDATE: update', enum_type=RosterChangeKind, max_length=20)),
                ('proposed', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('note', fields.TextField(default='', unique=False)),
                ('state', fields.CharEnumField(default=RosterChangeState.PENDING, db_index=True, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected', enum_type=RosterChangeState, max_length=10)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='roster_decisions', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_reason', fields.TextField(default='', unique=False)),
                ('client_time', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('content_hash', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'roster_change', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VisitQuestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='visit_questions', on_delete=OnDelete.RESTRICT)),
                ('visit', fields.ForeignKeyField('models.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.RESTRICT)),
                ('asked_by', fields.ForeignKeyField('models.User', source_field='asked_by_id', null=True, db_constraint=True, to_field='id', related_name='questions_asked', on_delete=OnDelete.SET_NULL)),
                ('question', fields.TextField(unique=False)),
                ('asked_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=QuestionState.OPEN, db_index=True, description='OPEN: open\nANSWERED: answered\nCLOSED: closed', enum_type=QuestionState, max_length=10)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'visit_question', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QuestionAnswer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('question', fields.ForeignKeyField('models.VisitQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.RESTRICT)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', db_constraint=True, to_field='id', related_name='question_answers', on_delete=OnDelete.RESTRICT)),
                ('device_id', fields.CharField(default='', max_length=64)),
                ('text', fields.TextField(unique=False)),
                ('client_time', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('content_hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'question_answer', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]

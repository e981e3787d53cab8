from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models import AlertKind, AlertState
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_void')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Alert',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='alerts', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='URGENT_VISIT: urgent_visit\nANSWER: answer', enum_type=AlertKind, max_length=20)),
                ('source_key', fields.CharField(unique=True, max_length=80)),
                ('visit', fields.ForeignKeyField('models.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='alerts', on_delete=OnDelete.RESTRICT)),
                ('answer', fields.ForeignKeyField('models.QuestionAnswer', source_field='answer_id', null=True, db_constraint=True, to_field='id', related_name='alerts', on_delete=OnDelete.RESTRICT)),
                ('state', fields.CharEnumField(default=AlertState.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed\nSKIPPED: skipped', enum_type=AlertState, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_try_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claim', fields.CharField(default='', max_length=32)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'alert', 'app': 'models', 'indexes': [Index(fields=['state', 'next_try_at']), Index(fields=['community_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AlertSetting',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.OneToOneField('models.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='alert_setting', on_delete=OnDelete.CASCADE)),
                ('webhook_url', fields.CharField(default='', max_length=500)),
                ('site_url', fields.CharField(default='', max_length=200)),
                ('updated_by', fields.ForeignKeyField('models.User', source_field='updated_by_id', null=True, db_constraint=True, to_field='id', related_name='alert_settings', on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'alert_setting', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='VisitRevision',
            index=Index(fields=['received_at']),
        ),
    ]

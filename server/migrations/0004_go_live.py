from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_send_back_roster')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RosterUpload',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='roster_uploads', on_delete=OnDelete.RESTRICT)),
                ('uploaded_by', fields.ForeignKeyField('models.User', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name='roster_uploads', on_delete=OnDelete.SET_NULL)),
                ('filename', fields.CharField(max_length=200)),
                ('content', fields.BinaryField()),
                ('sha256', fields.CharField(max_length=64)),
                ('size', fields.IntField()),
                ('mark_missing_moved', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('imported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'roster_upload', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignInCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='sign_in_cards', on_delete=OnDelete.RESTRICT)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sign_in_cards', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('issued_by', fields.ForeignKeyField('models.User', source_field='issued_by_id', null=True, db_constraint=True, to_field='id', related_name='cards_issued', on_delete=OnDelete.SET_NULL)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('session', fields.ForeignKeyField('models.DeviceSession', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='sign_in_cards', on_delete=OnDelete.SET_NULL)),
                ('replaced_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sign_in_card', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Community',
            name='is_demo',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        # A store loaded by an older demo loader has no marker yet. Mark it only when it is
        # unmistakably the demo: its name and all 62 of its accounts (leader01..leader60,
        # office, admin), which a real committee would not have.
        ops.RunSQL(
            "UPDATE community SET is_demo = TRUE WHERE name = '天山路第一居民区' AND ("
            "SELECT COUNT(*) FROM app_user WHERE app_user.community_id = community.id AND ("
            "app_user.username IN ('office', 'admin') OR (app_user.username LIKE 'leader__'"
            " AND app_user.username BETWEEN 'leader01' AND 'leader60'))) = 62",
            reverse_sql="SELECT 1",
        ),
    ]

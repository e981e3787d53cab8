from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_alerts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginThrottle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('failures', fields.IntField(default=0)),
                ('last_failure_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=0)),
            ],
            options={'table': 'login_throttle', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='DeviceSession',
            name='device_label',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.DeleteModel(name='LoginFailure'),
    ]

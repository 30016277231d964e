"""ML2 mechanism driver for the real-cloud harness: binds every port at once.

Neutron runs without agents here.  This driver binds any port on any host to
the first segment it is offered, as an OVS port with port filtering, and marks
it ACTIVE, so Nova can boot servers on networks.  ML2 loads mechanism drivers
by entry-point name only: start.sh copies this file next to a dist-info
directory that declares it as `realcloud_fake`, on neutron's python path.
"""
from neutron_lib.plugins.ml2 import api


class FakeBinder(api.MechanismDriver):

    def initialize(self):
        pass

    @property
    def connectivity(self):
        return 'l2'

    def bind_port(self, context):
        segment = context.segments_to_bind[0]
        context.set_binding(segment['id'], 'ovs', {'port_filter': True},
                            status='ACTIVE')

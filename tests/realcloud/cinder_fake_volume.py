"""Cinder volume driver for the real-cloud harness: no storage at all.

Cinder's own FakeLoggingVolumeDriver already makes create, delete, snapshot,
attach and detach no-ops, but it inherits three operations from the LVM driver
that then touch a volume group that does not exist.  They are no-ops here, so
extend, volume-from-image (boot from volume) and upload-to-image work.
start.sh puts this file on cinder-volume's PYTHONPATH; cinder.conf names
cinder_fake_volume.FakeVolumeDriver as the backend's volume_driver.
"""
import io

from cinder.tests import fake_driver


class FakeVolumeDriver(fake_driver.FakeLoggingVolumeDriver):

    def extend_volume(self, volume, new_size):
        pass

    def copy_image_to_volume(self, context, volume, image_service, image_id,
                             disable_sparse=False):
        pass

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        # the new image gets a small all-zero file: there is no volume data
        image_service.update(context, image_meta['id'], {},
                             io.BytesIO(b'\0' * 512))

"""Offline use on the phone: the service worker, web app manifest, offline page, phone status, and the offline manifest API."""

"""The email channel: invitations, reminders and conversations answered by reply.

A built-in plugin, registered through the `dialogkit` entry-point group like any other.
"""

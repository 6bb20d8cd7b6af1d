"""Room features (sales, coupons, lottery, and the room games) as packages that describe themselves.

Each feature package exports one ``FEATURE`` (``base.Feature``): the client messages it answers and the part of
the gateway that answers them, its HTTP route modules, its workers, the room events it publishes, its room
state keys, and the console panel and viewer widget that show it. ``registry.FEATURES`` lists the packages; the
gateway's dispatch, the API's routes, ``livecore worker`` and the wire schema are built from it, so adding a
feature adds a package and one line there. A feature package's ``__init__`` imports only its messages: the
services behind it are named as ``"module:attribute"`` and imported when a process needs them.
"""

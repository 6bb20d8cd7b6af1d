"""A room's cart and the product on screen over HTTP (``livecore.rooms.products``, ``livecore.rooms.screen``).

    GET    /api/rooms/{room}/products               the cart (public): [{id,title,image,price,list_price,position,skus}]
    POST   /api/rooms/{room}/products               {"title","price","list_price"?,"image"?,"skus"?:[{"title","price"}]}
    PATCH  /api/rooms/{room}/products/{pid}         {"title"?, "price"?, "list_price"?, "image"?, "position"?}
    DELETE /api/rooms/{room}/products/{pid}         409 in_use when a sale refers to it
    POST   /api/rooms/{room}/products/{pid}/push    put it on screen (讲解中); replaces the previous one
    POST   /api/rooms/{room}/screen/clear           nothing on screen

Writes are host actions with an ``audit_log`` row each.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..rooms.products import ProductIn, ProductPatch, ProductStore
from ..rooms.screen import Screen
from ..rooms.store import RoomStore
from .deps import body, database, host_call, json, runtime


async def list_products(request: Request) -> Response:
    db = database(runtime(request))
    room = request.path_params["room"]
    await RoomStore(db).load(room)
    return json(await ProductStore(db).list(room))


async def add_product(request: Request) -> Response:
    call = host_call(request)
    data: ProductIn = await body(request, ProductIn)
    await RoomStore(call.db).load(call.room)
    product = await ProductStore(call.db).add(call.room, data)
    await call.audit("product.add", {"product": product["id"], "title": product["title"], "price": data.price})
    return json(product, status=201)


async def patch_product(request: Request) -> Response:
    call = host_call(request)
    pid = request.path_params["pid"]
    data: ProductPatch = await body(request, ProductPatch)
    product = await ProductStore(call.db).patch(call.room, pid, data)
    await Screen(call.rt).refresh(call.room, product)  # keep the screen honest
    await call.audit("product.update", {"product": pid, **msgspec.to_builtins(data)})
    return json(product)


async def delete_product(request: Request) -> Response:
    call = host_call(request)
    pid = request.path_params["pid"]
    await ProductStore(call.db).delete(call.room, pid)
    await Screen(call.rt).removed(call.room, pid)
    await call.audit("product.remove", {"product": pid})
    return json({"ok": True})


async def push_product(request: Request) -> Response:
    call = host_call(request)
    pid = request.path_params["pid"]
    shown = await Screen(call.rt).show(call.room, await ProductStore(call.db).get(call.room, pid))
    await call.audit("product.push", {"product": pid})
    return json(shown)


async def clear_screen(request: Request) -> Response:
    call = host_call(request)
    await RoomStore(call.db).load(call.room)
    await Screen(call.rt).show(call.room, None)
    await call.audit("product.clear")
    return json({"ok": True})


def routes() -> list[BaseRoute]:
    r = "/api/rooms/{room}"
    return [
        Route(r + "/products", list_products, methods=["GET"]),
        Route(r + "/products", add_product, methods=["POST"]),
        Route(r + "/products/{pid}", patch_product, methods=["PATCH"]),
        Route(r + "/products/{pid}", delete_product, methods=["DELETE"]),
        Route(r + "/products/{pid}/push", push_product, methods=["POST"]),
        Route(r + "/screen/clear", clear_screen, methods=["POST"]),
    ]

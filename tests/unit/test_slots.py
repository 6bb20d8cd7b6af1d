from redis.crc import key_slot

from livecore.slots import chunks


def test_chunks_by_slot_keep_to_one_slot_bounded_and_lose_nothing() -> None:
    keys = [f"lc:{{r:{i % 7}}}:ix{i}".encode() for i in range(100)]  # 7 rooms, 7 slots
    groups = chunks(keys, 5, by_slot=True)
    assert sorted(k for g in groups for k in g) == sorted(keys)
    assert all(len({key_slot(k) for k in g}) == 1 and 1 <= len(g) <= 5 for g in groups)
    assert len(groups) == sum(-(-len([k for k in keys if key_slot(k) == s]) // 5) for s in {key_slot(k) for k in keys})


def test_plain_chunks_keep_order_and_size() -> None:
    keys = [str(i).encode() for i in range(12)]
    assert chunks(keys, 5, by_slot=False) == [keys[0:5], keys[5:10], keys[10:12]]
    assert chunks([], 5, by_slot=False) == [] == chunks([], 5, by_slot=True)

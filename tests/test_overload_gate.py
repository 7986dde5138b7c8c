"""The overload gate's places go to whoever has waited longest, never to a request that just came."""
import threading
import time

from facilitator.infra.overload import Gate


def test_a_freed_place_goes_to_the_waiting_request_not_to_a_newcomer():
    gate = Gate(capacity=1, max_queued=4)
    assert gate.enter(timeout=0)  # the one place is held
    waited = {}

    def waiter():
        waited["admitted"] = gate.enter(timeout=2.0)

    thread = threading.Thread(target=waiter)
    thread.start()
    deadline = time.monotonic() + 2
    while gate.queued == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert gate.queued == 1
    # The holder leaves and, before the waiter wakes, a new request arrives: it must queue
    # behind the waiter (here: with no time to wait, it is refused) rather than take the place.
    gate.leave()
    assert gate.enter(timeout=0) is False
    thread.join(3)
    assert waited == {"admitted": True}
    gate.leave()
    assert gate.in_flight == 0 and gate.queued == 0


def test_a_waiter_that_times_out_gives_up_its_turn_cleanly():
    gate = Gate(capacity=1, max_queued=4)
    assert gate.enter(timeout=0)
    started = time.monotonic()
    assert gate.enter(timeout=0.1) is False
    assert 0.09 <= time.monotonic() - started < 1.0
    assert gate.queued == 0
    gate.leave()
    assert gate.enter(timeout=0) is True  # nobody waits: the place is free again
    gate.leave()


def test_places_are_handed_out_in_arrival_order():
    gate = Gate(capacity=1, max_queued=8)
    assert gate.enter(timeout=0)
    order, threads = [], []
    for number in range(4):
        def wait_then_record(number=number):
            if gate.enter(timeout=5.0):
                order.append(number)
                gate.leave()
        thread = threading.Thread(target=wait_then_record)
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 2
        while gate.queued < number + 1 and time.monotonic() < deadline:
            time.sleep(0.005)
    gate.leave()
    for thread in threads:
        thread.join(6)
    assert order == [0, 1, 2, 3]

"""The Kotlin-style coroutine runtime keeps the kotlinx.coroutines facts the models rely on.

Each test runs a tiny inline model through ``explorer.run`` and states one fact; it fails if
the runtime stops keeping it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs
import pytest

import explorer
from explorer import OutcomeKind, RunResult, WaitQueue, Waker, block, now, point, spawn, waker
from explorer.sources import ChoiceSource, PrechosenChoices, SeededRandomSource
from models.kotlin import (
    CancellationException,
    Channel,
    ClosedReceiveChannelException,
    ClosedSendChannelException,
    CoroutineScope,
    Job,
    MutableStateFlow,
    TimeoutCancellationException,
    current_job,
    delay,
    ensure_active,
    suspend_until,
    with_timeout,
)


@attrs.define
class World:
    events: list[str] = attrs.Factory(list)
    causes: list[tuple[str, BaseException | None]] = attrs.Factory(list)
    unhandled: list[tuple[str, Exception]] = attrs.Factory(list)
    wakers: list[Waker] = attrs.Factory(list)
    jobs: dict[str, Job] = attrs.Factory(dict)
    state: str = "Disconnected"

    def note(self, text: str) -> None:
        self.events.append(text)

    def record_unhandled(self, job: Job, exc: Exception) -> None:
        self.unhandled.append((job.name, exc))

    def handler_for(self, name: str) -> Callable[[BaseException | None], None]:
        return lambda cause: self.causes.append((name, cause))


Main = Callable[[World], Awaitable[None]]


def run(main: Main, source: ChoiceSource | None = None) -> tuple[RunResult, World]:
    worlds: list[World] = []

    def build(variant: str, scenario: object) -> World:
        worlds.append(World())
        return worlds[-1]

    model = explorer.Model("kotlin-runtime", "an inline driver of the coroutine runtime",
                           (("only", "the runtime as it is"),), build, main)
    result = explorer.run(model, "only", None, source or PrechosenChoices([]))
    return result, worlds[0]


def run_ok(main: Main, source: ChoiceSource | None = None) -> World:
    result, world = run(main, source)
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    return world


async def read_until_woken(w: World, fd: str) -> None:
    """A blocking read syscall: not cancellable, returns only when the kernel wakes it."""
    w.wakers.append(waker())
    await block("sys.read", fd, cancellable=False)


def wake_after(w: World, seconds: float) -> None:
    """A kernel task that wakes the first blocked reader after ``seconds``."""

    async def kernel() -> None:
        await explorer.sleep(seconds)
        await point("sys.wake")
        w.wakers[0].wake()

    spawn(kernel, name="kernel/wake")


# ----- launching and cancelled scopes --------------------------------------------------------


def test_launch_in_cancelled_scope_never_runs_body_but_runs_completion_handlers() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")
        scope.cancel()

        async def body() -> None:
            w.note("body ran")

        job = scope.launch(body, name="D")
        job.invoke_on_completion(w.handler_for("D"))
        w.note(f"after launch: {job.state}, handlers run {len(w.causes)}")
        await job.join()
        w.note(f"joined: {job.state}")

    result, w = run(main)
    assert result.outcome.kind is OutcomeKind.PASS
    # The handler runs later, in the coroutine's own task, not inside launch().
    assert w.events == ["after launch: Cancelling, handlers run 0", "joined: Cancelled"]
    assert [(name, type(cause)) for name, cause in w.causes] == [("D", CancellationException)]
    assert "android/D" in result.task_names


def test_launch_under_cancelled_parent_never_runs_body() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")
        parent = scope.launch(lambda: delay(100), name="C")
        await delay(1)
        parent.cancel()

        async def child() -> None:
            w.note("child ran")

        job = scope.launch(child, name="R", parent=parent)
        job.invoke_on_completion(w.handler_for("R"))
        await job.join()
        await parent.join()

    w = run_ok(main)
    assert w.events == []
    assert [(name, type(cause)) for name, cause in w.causes] == [("R", CancellationException)]


def test_job_cancelled_before_its_task_first_runs_never_runs_body() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def body() -> None:
            w.note("body ran")

        job = scope.launch(body, name="C")
        job.cancel()
        await job.join()
        w.note(job.state)

    assert run_ok(main).events == ["Cancelled"]


# ----- structured concurrency ----------------------------------------------------------------


def test_cancel_and_join_waits_for_children() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def child() -> None:
            try:
                await delay(100)
            finally:
                w.note(f"child unwound at {now():g}")

        async def parent() -> None:
            scope.launch(child, name="R", parent=current_job())

        job = scope.launch(parent, name="C")
        await delay(1)
        w.note(f"parent {job.state}, active={job.is_active}")
        await job.cancel_and_join()
        w.note(f"joined: parent {job.state}, child {job.children[0].state}")

    w = run_ok(main)
    assert w.events == [
        "parent Completing, active=True",
        "child unwound at 1",
        "joined: parent Cancelled, child Cancelled",
    ]


def test_cancel_and_join_hangs_on_child_in_non_cancellable_block() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def reader() -> None:
            await read_until_woken(w, "fd 5")
            w.note("read returned")

        async def parent() -> None:
            scope.launch(reader, name="R", parent=current_job())
            await delay(100)

        job = scope.launch(parent, name="C")
        await delay(1)
        await job.cancel_and_join()
        w.note("joined")

    result, w = run(main)
    assert result.outcome.kind is OutcomeKind.DEADLOCK
    blocked = {(b.task, b.waits_on) for b in result.outcome.blocked}
    assert ("main", "job C to complete") in blocked
    assert ("android/R", "fd 5") in blocked
    assert w.events == []


def test_cancel_and_join_returns_only_after_the_blocking_call_returns() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def reader() -> None:
            await read_until_woken(w, "fd 5")
            w.note(f"read returned at {now():g}, job {current_job().state}")
            await ensure_active()
            w.note("not reached: ensure_active raises")

        job = scope.launch(reader, name="R")
        await delay(1)
        wake_after(w, 5)
        await job.cancel_and_join()
        w.note(f"joined at {now():g}")

    w = run_ok(main)
    assert w.events == ["read returned at 6, job Cancelling", "joined at 6"]


def test_supervisor_failing_child_does_not_cancel_siblings_and_reaches_on_unhandled() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android", on_unhandled=w.record_unhandled)

        async def failing() -> None:
            await delay(1)
            raise ValueError("boom")

        async def sibling() -> None:
            await delay(5)
            w.note(f"sibling done at {now():g}")

        a = scope.launch(failing, name="A")
        b = scope.launch(sibling, name="B")
        await b.join()
        await a.join()
        w.note(f"scope active={scope.is_active}, B cause={b.completion_cause}")

    w = run_ok(main)
    assert w.events == ["sibling done at 5", "scope active=True, B cause=None"]
    assert [(name, str(exc)) for name, exc in w.unhandled] == [("A", "boom")]


def test_unhandled_failure_without_handler_crashes_the_app() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def failing() -> None:
            raise ValueError("boom")

        await scope.launch(failing, name="R").join()

    result, _ = run(main)
    assert result.outcome.kind is OutcomeKind.CRASH
    assert "ValueError: boom" in result.outcome.message


def test_non_supervisor_scope_failure_cancels_scope_and_siblings() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android", supervisor=False, on_unhandled=w.record_unhandled)

        async def failing() -> None:
            await delay(1)
            raise ValueError("boom")

        async def late() -> None:
            w.note("late body ran")

        sibling = scope.launch(lambda: delay(100), name="B")
        await scope.launch(failing, name="A").join()
        await sibling.join()
        await scope.launch(late, name="L").join()
        w.note(f"at {now():g}: scope active={scope.is_active}, B {sibling.state}")

    w = run_ok(main)
    assert w.events == ["at 1: scope active=False, B Cancelled"]
    assert [name for name, _ in w.unhandled] == ["A"]


def test_failing_child_of_regular_job_cancels_parent_and_siblings() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android", on_unhandled=w.record_unhandled)

        async def failing() -> None:
            await delay(1)
            raise ValueError("boom")

        async def sibling() -> None:
            try:
                await delay(100)
            except CancellationException:
                w.note(f"sibling cancelled at {now():g}")
                raise

        async def parent() -> None:
            scope.launch(failing, name="X", parent=current_job())
            scope.launch(sibling, name="Y", parent=current_job())
            try:
                await delay(100)
            except CancellationException:
                w.note(f"parent cancelled at {now():g}")
                raise

        job = scope.launch(parent, name="C")
        await job.join()
        w.note(f"parent cause {job.completion_cause!r}, scope active={scope.is_active}")

    w = run_ok(main)
    assert sorted(w.events[:2]) == ["parent cancelled at 1", "sibling cancelled at 1"]
    assert w.events[2] == "parent cause ValueError('boom'), scope active=True"
    # The parent handles its child's failure: only the parent reaches the supervisor scope.
    assert [(name, str(exc)) for name, exc in w.unhandled] == [("C", "boom")]


def test_failure_while_cancelling_still_reaches_the_scope() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android", on_unhandled=w.record_unhandled)

        async def body() -> None:
            try:
                await delay(100)
            finally:
                raise OSError("close failed")

        job = scope.launch(body, name="D")
        await delay(1)
        await job.cancel_and_join()
        w.note(f"{job.state}: {job.completion_cause!r}")

    w = run_ok(main)
    assert w.events == ["Cancelled: OSError('close failed')"]
    assert [(name, str(exc)) for name, exc in w.unhandled] == [("D", "close failed")]


def test_completion_is_a_step_of_its_own_after_the_body_ends() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def body() -> None:
            await point("state.write")
            w.state = "Disconnected by D"

        job = scope.launch(body, name="D")
        while not job.is_completed:
            await point("look")
            w.note(f"{w.state}, completed={job.is_completed}")

    seen = set()
    for seed in range(20):
        seen.update(run_ok(main, SeededRandomSource(seed)).events)
    # Another task can see the body's last write before the job completes.
    assert "Disconnected by D, completed=False" in seen


def test_completion_handlers_run_once_with_the_right_cause() -> None:
    cause = CancellationException("closed by the app")

    async def main(w: World) -> None:
        scope = CoroutineScope("android", on_unhandled=w.record_unhandled)

        async def failing() -> None:
            raise ValueError("boom")

        jobs = {
            "normal": scope.launch(lambda: delay(1), name="normal"),
            "cancelled": scope.launch(lambda: delay(100), name="cancelled"),
            "failed": scope.launch(failing, name="failed"),
        }
        for name, job in jobs.items():
            job.invoke_on_completion(w.handler_for(name))
        await delay(2)
        jobs["cancelled"].cancel(cause)
        for job in jobs.values():
            await job.join()
        jobs["normal"].invoke_on_completion(w.handler_for("late"))

    w = run_ok(main)
    causes = dict(w.causes)
    assert len(w.causes) == len(causes) == 4
    assert causes["normal"] is None
    assert causes["late"] is None
    assert causes["cancelled"] is cause
    assert isinstance(causes["failed"], ValueError)


# ----- suspension points -----------------------------------------------------------------


def test_delay_is_cancellable() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def body() -> None:
            try:
                await delay(100)
                w.note("delay finished")
            except CancellationException:
                w.note(f"cancelled at {now():g}")
                raise

        job = scope.launch(body, name="C")
        await delay(3)
        job.cancel()
        await job.join()
        w.note(f"joined at {now():g}: {type(job.completion_cause).__name__}")

    w = run_ok(main)
    assert w.events == ["cancelled at 3", "joined at 3: CancellationException"]


def test_cancellation_is_raised_at_suspension_points_only() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def body() -> None:
            await read_until_woken(w, "fd 5")
            await point("field.read")
            w.note("after a plain point")
            await ensure_active()
            w.note("not reached")

        job = scope.launch(body, name="R")
        await delay(1)
        job.cancel()
        w.wakers[0].wake()
        await job.join()

    assert run_ok(main).events == ["after a plain point"]


def test_suspend_until_rechecks_on_every_wake() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")
        changed = WaitQueue("state to change")
        looked_at: list[str] = []

        def connected() -> bool:
            looked_at.append(w.state)
            return w.state == "Connected"

        async def sender() -> None:
            await suspend_until(connected, changed, "wait.connected")
            w.note(f"saw Connected at {now():g}")

        job = scope.launch(sender, name="S")
        for state in ("Connecting", "Connected"):
            await delay(1)
            w.state = state
            changed.wake_all()
        await job.join()
        w.note(" ".join(looked_at))

    w = run_ok(main)
    assert w.events == ["saw Connected at 2", "Disconnected Connecting Connected"]


@pytest.mark.parametrize("condition_holds", [False, True])
def test_suspend_until_raises_when_cancelled(condition_holds: bool) -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")
        changed = WaitQueue("state to change")

        async def body() -> None:
            await read_until_woken(w, "fd 5")
            try:
                await suspend_until(lambda: condition_holds, changed, "wait.connected")
                w.note("returned")
            except CancellationException:
                w.note("cancelled")
                raise

        job = scope.launch(body, name="S")
        await delay(1)
        job.cancel()
        w.wakers[0].wake()
        await job.join()

    assert run_ok(main).events == ["cancelled"]


# ----- withTimeout ---------------------------------------------------------------------------


def test_with_timeout_fires_on_virtual_time() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def body() -> None:
            try:
                await with_timeout(5, lambda: delay(10))
            except TimeoutCancellationException as exc:
                assert isinstance(exc, CancellationException)
                w.note(f"timed out at {now():g}, job active={current_job().is_active}")

        await scope.launch(body, name="C").join()

    assert run_ok(main).events == ["timed out at 5, job active=True"]


def test_with_timeout_does_not_interrupt_a_blocking_call() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def attempt() -> None:
            await read_until_woken(w, "connect")
            w.note(f"connect returned at {now():g}")
            await delay(1)
            w.note("not reached")

        async def body() -> None:
            try:
                await with_timeout(5, attempt)
            except TimeoutCancellationException:
                w.note(f"timed out at {now():g}")

        job = scope.launch(body, name="C")
        wake_after(w, 8)
        await job.join()

    assert run_ok(main).events == ["connect returned at 8", "timed out at 8"]


@pytest.mark.parametrize(("suspend_first", "expected"), [(False, "got sock"), (True, "timed out")])
def test_with_timeout_expired_in_a_blocking_call_keeps_value_only_if_body_never_suspended(
        suspend_first: bool, expected: str) -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def attempt() -> str:
            if suspend_first:
                await delay(1)
            await read_until_woken(w, "connect")
            return "sock"

        async def body() -> None:
            try:
                w.note(f"got {await with_timeout(5, attempt)}")
            except TimeoutCancellationException:
                w.note("timed out")

        job = scope.launch(body, name="C")
        wake_after(w, 8)
        await job.join()

    assert run_ok(main).events == [expected]


def test_with_timeout_discards_value_when_job_cancelled_while_body_finishes() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def attempt() -> str:
            await read_until_woken(w, "connect")
            w.note("produced sock")
            return "sock"

        async def body() -> None:
            try:
                w.note(f"got {await with_timeout(30, attempt)}")
            except CancellationException as exc:
                same = exc is current_job().cancellation_cause
                w.note(f"{type(exc).__name__}, the job's own: {same}")

        job = scope.launch(body, name="C")
        await delay(1)
        job.cancel()
        w.wakers[0].wake()
        await job.join()

    assert run_ok(main).events == ["produced sock", "CancellationException, the job's own: True"]


@pytest.mark.parametrize(("outer", "inner"), [(5, 10), (10, 3)])
def test_nested_timeouts_raise_the_one_that_fired_first(outer: float, inner: float) -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")

        async def body() -> None:
            try:
                await with_timeout(outer, lambda: with_timeout(inner, lambda: delay(20)))
            except TimeoutCancellationException as exc:
                w.note(f"{exc} at {now():g}")

        await scope.launch(body, name="C").join()

    first = min(outer, inner)
    assert run_ok(main).events == [f"timed out waiting for {first:g}s at {first:g}"]


# ----- channels ------------------------------------------------------------------------------


def test_channel_close_keeps_buffered_items_and_later_sends_fail() -> None:
    async def main(w: World) -> None:
        channel: Channel[str] = Channel("send")
        await channel.send("a")
        await channel.send("b")
        w.note(f"close: {channel.close()}, again: {channel.close()}")
        try:
            await channel.send("c")
        except ClosedSendChannelException:
            w.note(f"send failed, buffered {channel.buffered}")
        w.note(f"received {await channel.receive()} {await channel.receive()}")
        try:
            await channel.receive()
        except ClosedReceiveChannelException:
            w.note(f"drained: {channel.is_closed_for_receive}")

    assert run_ok(main).events == [
        "close: True, again: False",
        "send failed, buffered ['a', 'b']",
        "received a b",
        "drained: True",
    ]


def test_try_send_returns_a_failed_result_and_never_throws() -> None:
    async def main(w: World) -> None:
        channel: Channel[str] = Channel("send")
        sent = channel.try_send("a")
        channel.close()
        refused = channel.try_send("b")
        w.note(f"{sent.is_success} {refused.is_success} {refused.is_failure} {refused.is_closed}")
        w.note(f"{channel.buffered}")

    assert run_ok(main).events == ["True False True True", "['a']"]


def test_cancelled_consumer_strands_buffered_items() -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")
        channel: Channel[str] = Channel("send")
        connected = WaitQueue("state Connected")

        async def send_loop() -> None:
            async for message in channel:
                await suspend_until(lambda: False, connected, "wait.connected")
                w.note(f"wrote {message}")

        job = scope.launch(send_loop, name="S")
        for message in ("m1", "m2", "m3"):
            channel.try_send(message)
        await delay(1)
        await job.cancel_and_join()
        w.note(f"{job.state}, buffered {channel.buffered}, lost {channel.lost}")

    # m1 was taken off the channel and dropped by the cancel; m2 and m3 stay stranded.
    assert run_ok(main).events == ["Cancelled, buffered ['m2', 'm3'], lost []"]


@pytest.mark.parametrize(("cancel_first", "expected"), [
    (False, "buffered [], lost ['m1']"),
    (True, "buffered ['m1'], lost []"),
])
def test_item_handed_to_a_receiver_cancelled_before_it_runs_is_lost(
        cancel_first: bool, expected: str) -> None:
    async def main(w: World) -> None:
        scope = CoroutineScope("android")
        channel: Channel[str] = Channel("send")

        async def consumer() -> None:
            w.note(f"received {await channel.receive()}")

        job = scope.launch(consumer, name="S")
        await delay(1)
        if cancel_first:
            job.cancel()
        channel.try_send("m1")
        job.cancel()
        await job.join()
        w.note(f"buffered {channel.buffered}, lost {channel.lost}")

    assert run_ok(main).events == [expected]


def channel_iteration(w: World) -> Awaitable[None]:
    async def main() -> None:
        scope = CoroutineScope("android")
        channel: Channel[str] = Channel("send")

        async def producer() -> None:
            for message in ("a", "b", "c"):
                await channel.send(message)
            channel.close()

        async def consumer() -> None:
            async for message in channel:
                w.note(message)
            w.note("done")

        jobs = [scope.launch(consumer, name="S"), scope.launch(producer, name="P")]
        for job in jobs:
            await job.join()

    return main()


@pytest.mark.parametrize("seed", range(8))
def test_channel_iteration_ends_when_closed_and_drained(seed: int) -> None:
    assert run_ok(channel_iteration, SeededRandomSource(seed)).events == ["a", "b", "c", "done"]


def test_runs_are_a_pure_function_of_the_choices() -> None:
    first, _ = run(channel_iteration, SeededRandomSource(3))
    second, _ = run(channel_iteration, SeededRandomSource(3))
    assert first.trace().steps == second.trace().steps
    assert first.choices == second.choices
    replayed, _ = run(channel_iteration, PrechosenChoices(first.choices))
    assert replayed.trace().steps == first.trace().steps


# ----- StateFlow ---------------------------------------------------------------------------


def flow_transition(pause: float) -> Main:
    """A→B→A on a state flow, ``pause`` seconds between writes (0: only a point), then a
    final C the driver waits to see emitted, so the observer has sampled everything before."""

    async def main(w: World) -> None:
        scope = CoroutineScope("android")
        flow = MutableStateFlow("A", name="state")
        emitted = WaitQueue("observer to emit")

        def observe(value: str) -> None:
            w.note(value)
            emitted.wake_all()

        scope.launch(lambda: flow.collect(observe), name="observer")
        await suspend_until(lambda: bool(w.events), emitted, "wait.observer")
        for value in ("B", "A", "C"):
            if pause and value != "B":
                await delay(pause)
            await point("state.write")
            flow.value = value
        await suspend_until(lambda: w.events[-1] == "C", emitted, "wait.observer")
        w.note(f"history {''.join(flow.history)}")
        scope.cancel()

    return main


def test_state_flow_collector_misses_a_fast_transition_on_some_schedule() -> None:
    seen = {tuple(run_ok(flow_transition(0), SeededRandomSource(seed)).events)
            for seed in range(40)}
    assert ("A", "C", "history ABAC") in seen  # B came and went between two samples
    assert ("A", "B", "A", "C", "history ABAC") in seen
    # A sample equal to the last one emitted is skipped, never emitted twice.
    assert seen <= {("A", "C", "history ABAC"), ("A", "B", "C", "history ABAC"),
                    ("A", "B", "A", "C", "history ABAC")}


def test_state_flow_collector_sees_a_slow_transition() -> None:
    assert run_ok(flow_transition(1)).events == ["A", "B", "A", "C", "history ABAC"]


def test_state_flow_ignores_equal_values_and_compare_and_set_checks_the_current_value() -> None:
    async def main(w: World) -> None:
        flow = MutableStateFlow("Disconnected", name="state")
        flow.value = "Disconnected"
        w.note(f"{flow.compare_and_set('Connected', 'Connecting')} "
               f"{flow.compare_and_set('Disconnected', 'Connecting')} {flow.value}")
        w.note(" ".join(flow.history))

    assert run_ok(main).events == ["False True Connecting", "Disconnected Connecting"]

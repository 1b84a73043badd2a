package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Stages on the future onExit() hands out never run on the thread that completes it. */
@Timeout(60)
class CallbackFutureTest {
    private final CallbackExecutor callbacks = new CallbackExecutor("test-callback");

    @AfterEach
    void close() {
        callbacks.close();
    }

    @Test
    void everyKindOfStageRunsOnACallbackThreadAndJoinSeesTheValue() throws Exception {
        CallbackFuture<String> f = new CallbackFuture<>(callbacks);
        List<String> threads = new CopyOnWriteArrayList<>();
        Runnable where = () -> threads.add(Thread.currentThread().getName());
        CompletableFuture<?> a = f.thenApply(v -> { where.run(); return v; });
        CompletableFuture<?> b = f.thenAccept(v -> where.run());
        CompletableFuture<?> c = f.thenRun(where);
        CompletableFuture<?> d = f.whenComplete((v, e) -> where.run());
        CompletableFuture<?> e = f.handle((v, x) -> { where.run(); return v; });
        CompletableFuture<?> g = f.thenCompose(v -> { where.run(); return CompletableFuture.completedFuture(v); });
        CompletableFuture<?> h = f.thenCombine(CompletableFuture.completedFuture(1), (v, w) -> { where.run(); return v; });
        CompletableFuture<?> derived = f.thenApply(v -> v + "!").thenApply(v -> { where.run(); return v; });

        Thread completer = new Thread(() -> f.complete("done"), "backend-thread");
        completer.start();
        assertThat(f.join()).isEqualTo("done");
        CompletableFuture.allOf(a, b, c, d, e, g, h, derived).get(30, TimeUnit.SECONDS);
        assertThat(threads).hasSize(8).allMatch(t -> t.startsWith("test-callback-"), "runs on a callback thread");
    }

    @Test
    void afterCloseAStageStillRunsOnAThreadOfItsOwn() throws Exception {
        callbacks.close();
        CallbackFuture<String> f = new CallbackFuture<>(callbacks);
        CompletableFuture<String> where = new CompletableFuture<>();
        f.thenRun(() -> where.complete(Thread.currentThread().getName()));
        f.complete("late");
        assertThat(where.get(30, TimeUnit.SECONDS)).startsWith("test-callback-").isNotEqualTo(Thread.currentThread().getName());
    }
}

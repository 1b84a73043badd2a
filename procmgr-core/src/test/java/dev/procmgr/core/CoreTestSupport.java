package dev.procmgr.core;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** A manager over fakes: fake launcher, fake clock, real state machine and real stop escalation. */
final class CoreTestSupport {
    final FakeLauncher launcher = new FakeLauncher();
    final FakeScheduler clock = new FakeScheduler();
    final DefaultProcessManager pm = new DefaultProcessManager(launcher,
            ManagerOptions.defaults().withShutdownHook(false).withGuardian(false), clock,
            new TreeStopper(clock, launcher.table(), java.util.Optional.of(launcher.signals())));

    /** Runs a blocking call (stop, close) on another thread while moving the fake clock until it returns. */
    <T> T drive(java.util.concurrent.Callable<T> call) {
        java.util.concurrent.CompletableFuture<T> f = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!f.isDone() && System.nanoTime() < end) {
            clock.advance(Duration.ofMillis(10));
            Thread.onSpinWait();
        }
        return f.join();
    }

    /** Ends every fake process and closes the manager. */
    void closeAll() {
        launcher.launched.forEach(p -> p.exit(dev.procmgr.api.ExitStatus.exited(0)));
        drive(() -> {
            pm.close();
            return null;
        });
    }

    /** Real-time wait for something another thread does (listener delivery). */
    static boolean eventually(BooleanSupplier c) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            if (c.getAsBoolean()) {
                return true;
            }
            Thread.onSpinWait();
        }
        return c.getAsBoolean();
    }
}

package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.api.DuplicateTagException;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.InvalidTagException;
import dev.procmgr.api.ManagerClosedException;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessStartException;
import dev.procmgr.api.ProcessState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry against a fake launcher: uniqueness, failures, release, close. */
class RegistryTest {
    private final CoreTestSupport t = new CoreTestSupport();

    @AfterEach
    void close() {
        t.closeAll();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void sixtyFourCreatorsOfOneTagLaunchExactlyOnce() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger won = new AtomicInteger();
        AtomicInteger dup = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    t.pm.create("one", "sleep", "1");
                    won.incrementAndGet();
                } catch (DuplicateTagException e) {
                    dup.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            ts.add(th);
            th.start();
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        assertThat(won.get()).isEqualTo(1);
        assertThat(dup.get()).isEqualTo(63);
        assertThat(t.launcher.launched).hasSize(1);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void launchFailureLeavesNoTrace() {
        t.launcher.failure = r -> new IOException("Cannot run program: error=24, Too many open files");
        assertThatThrownBy(() -> t.pm.create("busy", "sleep", "1"))
                .isInstanceOf(ProcessStartException.class)
                .hasMessageContaining("'busy'")
                .hasMessageContaining("[sleep, 1]")
                .hasMessageContaining("error=24, Too many open files");
        assertThat(t.pm.running("busy")).isFalse();
        assertThat(t.pm.list()).isEmpty();
        t.launcher.failure = r -> null;
        assertThat(t.pm.create("busy", "sleep", "1").state()).isEqualTo(ProcessState.STARTING);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void invalidTagsNeverReachTheLauncher() {
        assertThatThrownBy(() -> t.pm.create("bad tag", "sleep", "1")).isInstanceOf(InvalidTagException.class)
                .hasMessageContaining("(space)");
        assertThatThrownBy(() -> t.pm.create("x".repeat(129), "sleep", "1")).isInstanceOf(InvalidTagException.class)
                .hasMessageContaining("129");
        assertThatThrownBy(() -> t.pm.create("ctl\u0007", "sleep", "1")).isInstanceOf(InvalidTagException.class)
                .hasMessageContaining("control character");
        assertThat(t.launcher.launched).isEmpty();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void stopReleasesTheTagAndCloseStopsTheRest() {
        ProcessContainer a = t.pm.create("a", "sleep", "1");
        ProcessContainer b = t.pm.create("b", "sleep", "1");
        ExitStatus stopped = t.drive(a::stop);
        assertThat(stopped).isEqualTo(ExitStatus.killed(dev.procmgr.api.Signal.TERM));
        assertThat(t.pm.running("a")).isFalse();
        assertThat(t.pm.list()).containsExactly(b);
        t.drive(() -> {
            t.pm.close();
            return null;
        });
        assertThat(b.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(t.pm.list()).isEmpty();
        assertThatThrownBy(() -> t.pm.create("c", "sleep", "1")).isInstanceOf(ManagerClosedException.class);
        assertThat(t.launcher.launched).hasSize(2);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void environmentValuesNeverAppearInSpecText() {
        var spec = dev.procmgr.api.ProcessSpec.builder("sleep").env("API_TOKEN", "s3cret").build();
        assertThat(spec.toString()).contains("API_TOKEN").doesNotContain("s3cret");
        t.pm.create("env", spec);
        assertThat(t.launcher.last().request.toString()).doesNotContain("s3cret");
        assertThat(t.launcher.last().request.environment()).containsEntry("API_TOKEN", "s3cret");
    }
}

package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The /proc/PID/stat parser on awkward lines, and a scan against the JDK's view of this JVM. */
class ProcTableTest {

    private static Optional<ProcTable.Proc> parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
        return ProcTable.parse(b, b.length);
    }

    private static String line(String comm, char state, long ppid, long pgrp, long session, long start) {
        // fields 7..21 as a real line has them (tpgid -1 without a terminal), starttime at 22, more after
        return "4242 (" + comm + ") " + state + " " + ppid + " " + pgrp + " " + session
                + " 0 -1 4194560 110 0 0 0 0 0 0 0 20 0 1 0 " + start + " 2506752 233 18446744073709551615 1 1 0 0 0 0 0\n";
    }

    @Test
    void readsTheFieldsProcmgrUses() {
        assertThat(parse(line("sleep", 'S', 1, 4242, 4242, 987654))).contains(
                new ProcTable.Proc(4242, 'S', 1, 4242, 4242, 987654));
    }

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        assertThat(parse(line("a) b (c", 'Z', 7, 8, 9, 10))).contains(new ProcTable.Proc(4242, 'Z', 7, 8, 9, 10));
        assertThat(parse(line(") ) )", 'R', 7, 8, 9, 10))).contains(new ProcTable.Proc(4242, 'R', 7, 8, 9, 10));
    }

    @Test
    void aTruncatedOrGarbledLineIsNoProcess() {
        String full = line("sleep", 'S', 1, 2, 3, 4);
        assertThat(parse(full.substring(0, full.indexOf(" 4 ")))).isEmpty(); // cut before starttime
        assertThat(parse("")).isEmpty();
        assertThat(parse("4242 sleep S 1 2 3")).isEmpty();
        assertThat(parse("x (sleep) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0")).isEmpty();
    }

    @Test
    void aScanSeesThisJvmAndItsParentAsTheJdkDoes() {
        ProcessHandle self = ProcessHandle.current();
        ProcTable t = ProcTable.scan();
        ProcTable.Proc me = t.get(self.pid()).orElseThrow();
        assertThat(me.ppid()).isEqualTo(self.parent().orElseThrow().pid());
        assertThat(me.zombie()).isFalse();
        assertThat(ProcTable.read(self.pid())).hasValueSatisfying(p -> {
            assertThat(p.pid()).isEqualTo(self.pid());
            assertThat(p.startTicks()).isEqualTo(me.startTicks());
            assertThat(p.pgrp()).isEqualTo(me.pgrp());
        });
        assertThat(ProcTable.read(Integer.MAX_VALUE)).isEmpty();
    }

    @Test
    void aSnapshotServesEveryStopAskedForBeforeItsScanBeganAndNoLaterOne() {
        ProcTable.Cache cache = new ProcTable.Cache(0);
        long asked = System.nanoTime();
        ProcTable first = cache.since(asked);
        assertThat(cache.since(asked)).isSameAs(first);
        long askedLater = System.nanoTime();
        ProcTable second = cache.since(askedLater);
        assertThat(second).isNotSameAs(first);
        assertThat(cache.since(asked)).isSameAs(second);
        assertThat(cache.fresh()).isNotSameAs(second);
    }
}

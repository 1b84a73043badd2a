package dev.procmgr.tck;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a descendant process of the test JVM alive (after a short grace for
 * exits in flight), and kills what it finds so that the next test starts clean. Register with
 * {@code @ExtendWith(NoLeakedProcesses.class)}; it runs after the test's own {@code @AfterEach}.
 */
public final class NoLeakedProcesses implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        if (Procs.await(Duration.ofSeconds(10), () -> leftovers().isEmpty())) {
            return;
        }
        List<ProcessHandle> left = leftovers();
        String what = left.stream()
                .map(h -> h.pid() + " " + h.info().commandLine().orElse("?"))
                .collect(Collectors.joining("; "));
        left.forEach(ProcessHandle::destroyForcibly);
        if (!left.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " left processes behind: " + what);
        }
    }

    private static List<ProcessHandle> leftovers() {
        // a manager's guardian lives as long as its manager: ProcessManagers.system() keeps one for the JVM's life
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).filter(h -> Procs.alive(h.pid()))
                .filter(h -> !h.info().commandLine().orElse("").contains("procmgr-guardian"))
                .collect(Collectors.toList());
    }
}

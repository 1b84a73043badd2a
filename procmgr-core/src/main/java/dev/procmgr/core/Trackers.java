package dev.procmgr.core;

import java.util.ArrayList;
import java.util.List;

/** Builds the launch trackers a manager's options ask for. */
final class Trackers {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Trackers.class);

    private Trackers() {
    }

    static LaunchTracker start(ManagerOptions options) {
        List<LaunchTracker> all = new ArrayList<>(2);
        if (options.guardian()) {
            try {
                all.add(Guardian.start(options.guardianGrace()));
            } catch (RuntimeException e) {
                LOG.warn("procmgr guardian not started ({}): processes are not cleaned up if the JVM is killed", e.toString());
            }
        }
        // sweeps what a crashed predecessor left before this manager launches anything
        options.stateFile().ifPresent(path -> all.add(StateFile.open(path)));
        if (all.isEmpty()) {
            return LaunchTracker.NONE;
        }
        if (all.size() == 1) {
            return all.get(0);
        }
        return new LaunchTracker() {
            @Override
            public void launched(String tag, long pid, boolean groupLeader, List<String> command) {
                all.forEach(t -> t.launched(tag, pid, groupLeader, command));
            }

            @Override
            public void released(long pid) {
                all.forEach(t -> t.released(pid));
            }

            @Override
            public void close() {
                all.forEach(LaunchTracker::close);
            }
        };
    }
}

package dev.procmgr.jdk;

import java.util.Map;

/** Tells whether a child's environment is the JVM's own, cheaply on every launch (one per launcher). */
final class HostEnvironment {
    /**
     * The last map found equal to the host's environment. The core passes the same instance at
     * every launch, so an identity check replaces a compare of every variable. Safe because both
     * sides are immutable: a {@code LaunchRequest} holds a {@code Map.copyOf}, and a running JVM
     * cannot change its own environment.
     */
    private volatile Map<String, String> lastEqual;

    boolean isHost(Map<String, String> environment) {
        if (environment == lastEqual) {
            return true;
        }
        if (!environment.equals(System.getenv())) {
            return false;
        }
        lastEqual = environment;
        return true;
    }
}

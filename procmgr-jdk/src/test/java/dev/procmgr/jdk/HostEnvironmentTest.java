package dev.procmgr.jdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostEnvironmentTest {
    private final HostEnvironment env = new HostEnvironment();

    @Test
    void aCopyOfTheHostsEnvironmentIsTheHostsAtEveryCall() {
        Map<String, String> host = Map.copyOf(System.getenv());
        assertThat(env.isHost(host)).isTrue();
        assertThat(env.isHost(host)).isTrue(); // the remembered instance
        assertThat(env.isHost(Map.copyOf(System.getenv()))).isTrue(); // an equal one
    }

    @Test
    void anyDifferenceIsSeenAlsoAfterTheHostsWasRemembered() {
        Map<String, String> host = Map.copyOf(System.getenv());
        assertThat(env.isHost(host)).isTrue();
        Map<String, String> more = new HashMap<>(host);
        more.put("PROCMGR_HOST_ENVIRONMENT_TEST", "1");
        assertThat(env.isHost(Map.copyOf(more))).isFalse();
        assertThat(env.isHost(Map.of())).isEqualTo(System.getenv().isEmpty());
        assertThat(env.isHost(host)).isTrue();
    }
}

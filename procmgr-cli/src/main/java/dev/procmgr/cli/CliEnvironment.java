package dev.procmgr.cli;

import java.util.Map;
import java.util.Optional;

/**
 * The environment variables the CLI reads ({@code PROCMGR_SOCKET}, {@code PROCMGR_DEBUG}), passed
 * in from {@code main} so that tests can give their own.
 */
record CliEnvironment(Map<String, String> variables) {
    CliEnvironment {
        variables = Map.copyOf(variables);
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(variables.get(name)).filter(v -> !v.isBlank());
    }
}

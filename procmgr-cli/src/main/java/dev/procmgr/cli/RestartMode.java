package dev.procmgr.cli;

import dev.procmgr.api.RestartPolicy;

/** The restart policy as the command line spells it. */
enum RestartMode {
    never(RestartPolicy.Mode.NEVER),
    on_failure(RestartPolicy.Mode.ON_FAILURE),
    always(RestartPolicy.Mode.ALWAYS);

    final RestartPolicy.Mode mode;

    RestartMode(RestartPolicy.Mode mode) {
        this.mode = mode;
    }

    @Override
    public String toString() {
        return name().replace('_', '-');
    }

    /** picocli: accepts {@code on-failure} and {@code on_failure}. */
    static final class Converter implements picocli.CommandLine.ITypeConverter<RestartMode> {
        @Override
        public RestartMode convert(String value) {
            for (RestartMode m : values()) {
                if (m.toString().equalsIgnoreCase(value) || m.name().equalsIgnoreCase(value)) {
                    return m;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not one of never, on-failure, always");
        }
    }
}

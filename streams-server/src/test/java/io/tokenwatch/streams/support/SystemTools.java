package io.tokenwatch.streams.support;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * System programs some tests drive (Chromium, yamllint, shellcheck). {@code .ci/run} installs them;
 * in CI (the {@code CI} variable set) a missing one fails the test, on a developer machine it skips
 * the test with the command that installs it.
 */
public final class SystemTools {
    private SystemTools() {
    }

    public static Path require(String executable, String debianPackage) {
        Path path = Path.of(executable);
        if (!Files.isExecutable(path)) {
            String message = executable + " is missing: apt-get install " + debianPackage + " (.ci/run does this)";
            if (System.getenv("CI") != null) {
                fail(message);
            }
            assumeTrue(false, message);
        }
        return path;
    }
}

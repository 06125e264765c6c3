package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2 is an optional dependency: a host that asks for the embedded database without it on the
 * class path gets a configuration error that says what to add, at {@code build()}, and nothing is
 * created. Run in a JVM of its own whose class path is this test's without the H2 jar.
 */
class EmbeddedWithoutH2Test {
    @Test
    void theEmbeddedDatabaseWithoutH2_isAClearConfigurationError(@TempDir Path dir) throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("h2database") && !entry.matches(".*[/\\\\]h2-[0-9.]+\\.jar"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath).as("the probe's class path still has H2").doesNotContain("h2database");
        Path data = dir.resolve("earnings-data");
        String printed = ProbeJvm.run(ProbeJvm.EmbeddedBuild.class, classPath, dir, dir.resolve("probe.log"), data.toString());
        assertThat(printed).as("what the probe printed").contains("REFUSED embeddedDatabase:")
                .contains("com.h2database:h2").contains("dataSource(...) or jdbcUrl(...)");
        assertThat(data).as("nothing was created").doesNotExist();
    }
}

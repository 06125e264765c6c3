package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relative embedded path, and the default one, become absolute through the working directory,
 * whose name reaches H2's URL as well: a working directory named {@code x;INIT=...--} must not
 * run SQL. Run in a JVM of its own started in such a directory.
 */
class EmbeddedPathTest {
    /** Guards: a working directory whose name holds H2 URL syntax is refused before H2 sees it. */
    @Test
    void aWorkingDirectoryWithH2UrlSyntax_isRefused_andNoSqlRuns(@TempDir Path dir) throws Exception {
        Path working = Files.createDirectory(dir.resolve("x;INIT=CREATE TABLE PWNED(X INT)--"));
        String printed = ProbeJvm.run(ProbeJvm.EmbeddedBuild.class, System.getProperty("java.class.path"), working,
                dir.resolve("probe.log"), "data");
        assertThat(printed).as("what the probe printed").contains("REFUSED embeddedDatabase:").contains("';' at position");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(Path::toString)).as("no database file anywhere").noneMatch(f -> f.endsWith(".mv.db"));
        }
    }
}

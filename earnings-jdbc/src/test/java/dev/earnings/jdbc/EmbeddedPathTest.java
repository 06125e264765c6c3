package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.InvalidConfigurationException;
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
    /** The probe run in the JVM: prints what {@code build()} did with a relative path. */
    public static final class Probe {
        public static void main(String[] args) {
            try {
                Earnings.builder().embeddedDatabase(Path.of("data")).build().close();
                System.out.println("BUILT");
            } catch (InvalidConfigurationException e) {
                System.out.println("REFUSED " + e.setting() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                System.out.println("OTHER " + e);
            }
        }
    }

    /** Guards: a working directory whose name holds H2 URL syntax is refused before H2 sees it. */
    @Test
    void aWorkingDirectoryWithH2UrlSyntax_isRefused_andNoSqlRuns(@TempDir Path dir) throws Exception {
        Path working = Files.createDirectory(dir.resolve("x;INIT=CREATE TABLE PWNED(X INT)--"));
        String printed = ProbeJvm.run(Probe.class, System.getProperty("java.class.path"), working, dir.resolve("probe.log"));
        assertThat(printed).as("what the probe printed").contains("REFUSED embeddedDatabase:").contains("';' at position");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(Path::toString)).as("no database file anywhere").noneMatch(f -> f.endsWith(".mv.db"));
        }
    }
}

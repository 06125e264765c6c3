package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.InvalidConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a probe's {@code main} in a JVM of its own and returns what it printed. */
final class ProbeJvm {
    private ProbeJvm() {
    }

    /** A probe that builds an embedded database in the directory it is given and prints what happened. */
    public static final class EmbeddedBuild {
        public static void main(String[] args) {
            try {
                Earnings.builder().embeddedDatabase(Path.of(args[0])).build().close();
                System.out.println("BUILT");
            } catch (InvalidConfigurationException e) {
                System.out.println("REFUSED " + e.setting() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                System.out.println("OTHER " + e);
            }
        }
    }

    /**
     * @param probe the class whose {@code main} runs
     * @param classPath the probe JVM's class path
     * @param workingDirectory where it runs
     * @param output where its output is kept
     * @param args the probe's arguments
     * @return everything it printed, standard error included
     */
    static String run(Class<?> probe, String classPath, Path workingDirectory, Path output, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", probe.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the probe finished").isTrue();
        return Files.readString(output, StandardCharsets.UTF_8);
    }
}

package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database's file encryption (H2's {@code CIPHER=AES}). */
class EmbeddedFileEncryptionTest {
    static final String PASSWORD = "file-pw-Z7q9x2Lr";
    static final String PLANTED = "PLANTED-caption-8f3e1d";

    /** Records a use whose user id and metadata hold the planted string, then closes. */
    private static void recordPlanted(Earnings.Builder builder) {
        try (Earnings earnings = builder.build()) {
            earnings.models().register("m-" + PLANTED, "c1", ModelPricing.of("0.01", "0"));
            earnings.logModelUsage("u-" + PLANTED, "m-" + PLANTED, 0, "chat", Map.of("caption", PLANTED));
        }
    }

    /** How many of the directory's files hold the planted string, as bytes (UTF-8 and UTF-16). */
    private static long filesHoldingPlanted(Path directory) throws IOException {
        List<byte[]> needles = List.of(PLANTED.getBytes(StandardCharsets.UTF_8), PLANTED.getBytes(StandardCharsets.UTF_16BE),
                PLANTED.getBytes(StandardCharsets.UTF_16LE));
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(directory)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        assertThat(files).as("database files").isNotEmpty();
        long holding = 0;
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            if (needles.stream().anyMatch(needle -> indexOf(bytes, needle) >= 0)) {
                holding++;
            }
        }
        return holding;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The encrypted database's files hold no planted string (ids, metadata), while those of a
     * plain one, written the same way, do: the search would find it. Reopened with the same
     * password, the data is there.
     */
    @Test
    void encryptedFiles_holdNoPlantedString_whilePlainFilesDo(@TempDir Path directory) throws Exception {
        Path plain = directory.resolve("plain");
        Path encrypted = directory.resolve("encrypted");
        recordPlanted(Earnings.builder().embeddedDatabase(plain));
        recordPlanted(Earnings.builder().embeddedDatabase(encrypted).embeddedFileEncryption(PASSWORD.toCharArray()));

        assertThat(filesHoldingPlanted(plain)).as("plain files holding the planted string").isPositive();
        assertThat(filesHoldingPlanted(encrypted)).as("encrypted files holding the planted string").isZero();

        try (Earnings reopened = Earnings.builder().embeddedDatabase(encrypted)
                .embeddedFileEncryption(PASSWORD.toCharArray()).build()) {
            RecordedUse second = reopened.logModelUsage("u-" + PLANTED, "m-" + PLANTED, 0, "chat", null);
            assertThat(second.useOrdinal()).isEqualTo(OptionalLong.of(2));
            assertThat(reopened.verifyIntegrity().isClean()).isTrue();
        }
    }

    /**
     * A wrong file password, and encrypted files opened without one, fail the build clearly:
     * a storage error that says what is wrong and never repeats a password, in the library's
     * messages or in the driver's it carries. Plain files opened as encrypted fail likewise.
     */
    @Test
    void aWrongOrMissingFilePassword_failsClearly_withoutTheKeyInAnyMessage(@TempDir Path directory) {
        Path data = directory.resolve("earnings-data");
        recordPlanted(Earnings.builder().embeddedDatabase(data).embeddedFileEncryption(PASSWORD.toCharArray()));
        String wrong = "wrong-pw-Q4k8m1Ns";

        StorageException wrongPassword = catchThrowableOfType(StorageException.class, () -> Earnings.builder()
                .embeddedDatabase(data).embeddedFileEncryption(wrong.toCharArray()).build().close());
        assertThat(wrongPassword).isNotNull();
        assertThat(wrongPassword.isTransient()).isFalse();
        assertThat(wrongPassword.getMessage()).contains("SQLSTATE 90049")
                .contains("the embedded database's file password is wrong, or its files were written without file encryption");
        assertThat(LibraryMessages.wholeChain(wrongPassword)).doesNotContain(wrong).doesNotContain(PASSWORD);

        StorageException noPassword = catchThrowableOfType(StorageException.class,
                () -> Earnings.builder().embeddedDatabase(data).build().close());
        assertThat(noPassword).isNotNull();
        assertThat(noPassword.getMessage()).contains("encrypted and opened without their file password");
        assertThat(LibraryMessages.wholeChain(noPassword)).doesNotContain(PASSWORD);

        Path plain = directory.resolve("plain");
        recordPlanted(Earnings.builder().embeddedDatabase(plain));
        StorageException plainAsEncrypted = catchThrowableOfType(StorageException.class, () -> Earnings.builder()
                .embeddedDatabase(plain).embeddedFileEncryption(PASSWORD.toCharArray()).build().close());
        assertThat(plainAsEncrypted.getMessage()).contains("written without file encryption");
        assertThat(LibraryMessages.wholeChain(plainAsEncrypted)).doesNotContain(PASSWORD);

        // The right password still opens it: the failed attempts changed nothing.
        try (Earnings reopened = Earnings.builder().embeddedDatabase(data).embeddedFileEncryption(PASSWORD.toCharArray())
                .build()) {
            assertThat(reopened.verifyIntegrity().usesChecked()).isEqualTo(1);
        }
    }

    /** Guards: a short password, one with a space, or file encryption of a database that is not embedded, are refused. */
    @Test
    void filePasswordsAndDatabases_thatCannotWork_areRefusedWithoutRepeatingThePassword() {
        EarningsException tooShort = catchThrowableOfType(InvalidConfigurationException.class,
                () -> Earnings.builder().embeddedFileEncryption("short-pw".toCharArray()));
        assertThat(tooShort).hasMessage("the file password is 8 characters long; allowed: at least 12 characters without spaces");
        EarningsException space = catchThrowableOfType(InvalidConfigurationException.class,
                () -> Earnings.builder().embeddedFileEncryption("long enough pw".toCharArray()));
        assertThat(space.getMessage()).contains("space or control character at index 4").doesNotContain("enough");
        assertThatThrownBy(() -> Earnings.builder().embeddedFileEncryption(null))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("the file password is missing");
        assertThatThrownBy(() -> Earnings.builder().jdbcUrl("jdbc:h2:mem:x").embeddedFileEncryption(PASSWORD.toCharArray())
                .build())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("embeddedFileEncryption applies to the embedded database, and jdbcUrl is configured")
                .hasMessageNotContaining(PASSWORD);
    }

    /** The password array the host passes is copied: clearing it afterwards changes nothing. */
    @Test
    void thePasswordIsCopied(@TempDir Path directory) {
        char[] password = PASSWORD.toCharArray();
        Earnings.Builder builder = Earnings.builder().embeddedDatabase(directory.resolve("d")).embeddedFileEncryption(password);
        java.util.Arrays.fill(password, 'x');
        recordPlanted(builder);
        try (Earnings reopened = Earnings.builder().embeddedDatabase(directory.resolve("d"))
                .embeddedFileEncryption(PASSWORD.toCharArray()).build()) {
            assertThat(reopened.verifyIntegrity().usesChecked()).isEqualTo(1);
        }
    }
}

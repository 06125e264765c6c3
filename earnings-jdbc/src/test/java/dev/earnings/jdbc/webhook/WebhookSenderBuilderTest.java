package dev.earnings.jdbc.webhook;

import static dev.earnings.jdbc.webhook.TestEvents.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.EventType;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a sender may be built with; each refusal names the setting and repeats no secret. */
class WebhookSenderBuilderTest {
    static final URI ENDPOINT = URI.create("https://hooks.example.com/earnings");

    static InvalidConfigurationException refusal(Runnable configuration) {
        InvalidConfigurationException refused = catchThrowableOfType(InvalidConfigurationException.class, configuration::run);
        assertThat(refused).as("refused").isNotNull();
        return refused;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://hooks.example.com/x", "/relative/path", "hooks.example.com/x", "mailto:ops@example.com",
            "http:///no-host", "http://under_score.example.com/x", "https://user:pa55word@hooks.example.com/x",
            "https://hooks.example.com/x#fragment", "ws://hooks.example.com/x"})
    void anEndpointThatIsNotAnAbsoluteHttpUriWithAHost_isRefused_withoutQuotingIt(String endpoint) {
        InvalidConfigurationException refused = refusal(() -> WebhookSender.builder(URI.create(endpoint), SECRET));

        assertThat(refused.setting()).isEqualTo("endpoint");
        assertThat(refused.getMessage()).endsWith("; allowed: an absolute http or https URI with a host, without user info or fragment")
                .doesNotContain("example.com").doesNotContain("pa55word");
    }

    @Test
    void aMissingEndpoint_isRefused() {
        assertThat(refusal(() -> WebhookSender.builder(null, SECRET))).hasMessageStartingWith("endpoint is missing;");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com/earnings?token=abc", "HTTP://127.0.0.1:8080/x", "http://[::1]:9/", "https://h"})
    void httpAndHttpsEndpointsWithAHost_areAccepted(String endpoint) {
        assertThatCode(() -> WebhookSender.builder(URI.create(endpoint), SECRET).build()).doesNotThrowAnyException();
    }

    @Test
    void aSecretShorterThan32Bytes_isRefused_sayingItsLengthOnly() {
        byte[] short31 = "0123456789abcdef0123456789abcde".getBytes(StandardCharsets.US_ASCII);

        InvalidConfigurationException refused = refusal(() -> WebhookSender.builder(ENDPOINT, short31));
        assertThat(refused.setting()).isEqualTo("secret");
        assertThat(refused).hasMessage("secret is 31 bytes; allowed: at least 32 bytes of secure random data, shared with the receiver");
        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, new byte[0]))).hasMessageStartingWith("secret is 0 bytes;");
        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, null))).hasMessageStartingWith("secret is missing;");
        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).previousSecret(short31)).setting()).isEqualTo("previousSecret");
        assertThatCode(() -> WebhookSender.builder(ENDPOINT, Arrays.copyOf(SECRET, 32))).doesNotThrowAnyException();
    }

    @Test
    void timeoutsOutsideOneMillisecondToFiveMinutes_areRefused() {
        for (Duration timeout : new Duration[] {null, Duration.ZERO, Duration.ofNanos(999_999), Duration.ofSeconds(-1),
                WebhookSender.MAX_TIMEOUT.plusMillis(1)}) {
            assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).connectTimeout(timeout)).setting())
                    .isEqualTo("connectTimeout");
            assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).requestTimeout(timeout)).setting())
                    .isEqualTo("requestTimeout");
        }
        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).requestTimeout(Duration.ZERO)))
                .hasMessage("requestTimeout is PT0S; allowed: from 1 ms to 5 minutes");
        assertThatCode(() -> WebhookSender.builder(ENDPOINT, SECRET).connectTimeout(Duration.ofMillis(1))
                .requestTimeout(WebhookSender.MAX_TIMEOUT).build()).doesNotThrowAnyException();
    }

    @Test
    void noTypes_orANullType_isRefused() {
        Set<EventType> withNull = new HashSet<>(Set.of(EventType.PAYOUT_FAILED));
        withNull.add(null);

        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).types(Set.of())))
                .hasMessage("types is empty; allowed: at least one event type");
        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).types(withNull)))
                .hasMessage("types is holding null; allowed: at least one event type");
        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).types(EventType.PAYOUT_FAILED, (EventType) null)).setting())
                .isEqualTo("types");
    }

    @Test
    void theTypesAreCopied_andAllAreSentByDefault() {
        Set<EventType> types = EnumSet.of(EventType.USE_REVERSED);
        WebhookSender.Builder builder = WebhookSender.builder(ENDPOINT, SECRET);
        WebhookSender all = builder.build();
        WebhookSender one = builder.types(types).build();
        types.add(EventType.TIER_REACHED);

        assertThat(EnumSet.allOf(EventType.class)).allMatch(all::sends);
        assertThat(EnumSet.allOf(EventType.class)).filteredOn(one::sends).containsExactly(EventType.USE_REVERSED);
    }

    @Test
    void aConnectTimeoutWithTheHostsOwnClient_isRefused_sinceItWouldNotApply() {
        HttpClient client = HttpClient.newHttpClient();

        assertThat(refusal(() -> WebhookSender.builder(ENDPOINT, SECRET).connectTimeout(Duration.ofSeconds(1)).httpClient(client).build())
                .setting()).isEqualTo("connectTimeout");
        assertThatCode(() -> WebhookSender.builder(ENDPOINT, SECRET).requestTimeout(Duration.ofSeconds(1)).httpClient(client).build())
                .doesNotThrowAnyException();
    }

    @Test
    void toString_namesTheOriginAndTypes_neverThePathQueryOrSecret() {
        WebhookSender sender = WebhookSender.builder(URI.create("https://hooks.example.com/T0KEN/earnings?key=s3cret"), SECRET)
                .types(EventType.PAYOUT_COMPLETED).build();

        assertThat(sender).hasToString("WebhookSender[https://hooks.example.com:443, types: payout.completed]");
    }
}

package dev.earnings.examples.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request bodies read strictly, and a member's value handed on as the exact text sent. */
class JsonBodyTest {
    static JsonBody parse(String text) {
        return JsonBody.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"metadata\": { \"a\" : \"}\\\"{\" , \"b\":[1, {\"c\":1.50}] } }",
        "{\"metadata\":[1,2.0e3,\"]\"],\"after\":true}",
        "{\"before\":{\"metadata\":1},\"metadata\":\"a \\\"quoted\\\" \\u00e9\"}",
        "{\"metadata\":1e400}",
        "{\"metadata\":-0.10}",
        "{\"metadata\":false}",
        "{\"metadata\":{}}"
    })
    void raw_isTheValueExactlyAsSent(String text) {
        String value = text.substring(text.lastIndexOf("\"metadata\":") + "\"metadata\":".length(), text.length() - 1);
        // Up to the end of the value: cut off a member that follows it.
        String expected = value.contains(",\"after\"") ? value.substring(0, value.indexOf(",\"after\"")) : value.strip();
        assertThat(parse(text).raw("metadata")).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"metadata\":null}", "{\"other\":{\"metadata\":{}}}"})
    void raw_ofAnAbsentOrNullMember_isEmpty(String text) {
        assertThat(parse(text).raw("metadata")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\":1,\"a\":1}",
        "{\"a\":{\"b\":1,\"b\":2}}",
        "{\"a\":1}{}",
        "{\"a\":1} x",
        "{\"a\":NaN}",
        "{'a':1}",
        "{\"a\":1,}",
        "\"a\"",
        "",
        "\ufeff{\"a\":1}"
    })
    void parse_refusesAnythingButOneStrictObject(String text) {
        assertThatThrownBy(() -> parse(text)).isInstanceOfSatisfying(HttpError.class, e -> {
            assertThat(e.status).isEqualTo(400);
            assertThat(e.field).isEqualTo("body");
        });
    }

    @Test
    void parse_refusesBytesThatAreNotUtf8() {
        assertThatThrownBy(() -> JsonBody.parse(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}))
                .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.getMessage()).contains("not UTF-8"));
    }

    @Test
    void parse_readsFractionsAsExactDecimals() {
        assertThat(parse("{\"a\":0.1000000000000000055511151231257827}").tree().get("a").decimalValue())
                .hasToString("0.1000000000000000055511151231257827");
    }
}

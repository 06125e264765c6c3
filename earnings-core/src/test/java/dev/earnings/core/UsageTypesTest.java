package dev.earnings.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UsageTypesTest {
    @Test
    void defaultsAreTheContractTypes() {
        UsageTypes types = UsageTypes.defaults();
        assertThat(types.names()).containsExactly("image_generation", "chat", "other");
        assertThat(types.resolve("image_generation").multiplier()).isEqualByComparingTo("1.0");
        assertThat(types.resolve("chat").multiplier()).isEqualByComparingTo("0.8");
        assertThat(types.resolve("other").multiplier()).isEqualByComparingTo("0.6");
        assertThat(types.mapsUnknownToOther()).isFalse();
    }

    @Test
    void namesMatchExactly() {
        assertThatThrownBy(() -> UsageTypes.defaults().resolve("Chat")).isInstanceOf(UnknownUsageTypeException.class);
        assertThatThrownBy(() -> UsageTypes.defaults().resolve(" chat")).isInstanceOf(UnknownUsageTypeException.class);
    }

    @Test
    void typesCanBeAddedAndChanged() {
        UsageTypes types = UsageTypes.defaults().toBuilder().type("video", "1.5").type("chat", "0.9").build();
        assertThat(types.names()).containsExactly("image_generation", "chat", "other", "video");
        assertThat(types.resolve("video").multiplier()).isEqualByComparingTo("1.5");
        assertThat(types.resolve("chat").multiplier()).isEqualByComparingTo("0.9");
        UnknownUsageTypeException e = org.junit.jupiter.api.Assertions.assertThrows(UnknownUsageTypeException.class,
                () -> types.resolve("audio"));
        assertThat(e.usageType()).isEqualTo("audio");
        assertThat(e.knownTypes()).contains("video");
    }

    @Test
    void mappingUnknownNamesNeedsAnOtherType() {
        assertThatThrownBy(() -> UsageTypes.builder().type("chat", "1").mapUnknownToOther(true).build())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("needs a usage type named 'other'");
    }

    @Test
    void badNamesAndMultipliersAreRefused() {
        assertThatThrownBy(() -> UsageTypes.builder().type("Video", "1"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("usage type name 'Video' is not allowed");
        assertThatThrownBy(() -> UsageTypes.builder().type("video", "0"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("greater than 0");
        assertThatThrownBy(() -> UsageTypes.builder().build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("at least one usage type");
    }

    @Test
    void equalSetsAreEqual() {
        assertThat(UsageTypes.defaults().toBuilder().build()).isEqualTo(UsageTypes.defaults())
                .hasSameHashCodeAs(UsageTypes.defaults());
        assertThat(UsageTypes.defaults().toBuilder().mapUnknownToOther(true).build()).isNotEqualTo(UsageTypes.defaults());
        assertThat(UsageTypes.defaults()).hasToString("UsageTypes[image_generation=1 (at most 100000 tokens), chat=0.8 (at most 2000000 tokens), other=0.6 (at most 1000000 tokens)]");
    }

    @Test
    void defaultTokenCapsAreDocumentedAndKeptByToBuilder() {
        assertThat(UsageTypes.defaults().tokenCap("image_generation")).hasValue(100_000L);
        assertThat(UsageTypes.defaults().tokenCap("chat")).hasValue(2_000_000L);
        assertThat(UsageTypes.defaults().tokenCap("other")).hasValue(1_000_000L);
        UsageTypes withAudio = UsageTypes.defaults().toBuilder().type("audio", "0.5").build();
        assertThat(withAudio.tokenCap("audio")).isEmpty();
        assertThat(withAudio.tokenCap("chat")).hasValue(2_000_000L);
        UsageTypes uncapped = UsageTypes.defaults().toBuilder().noTokenCap("chat").build();
        assertThat(uncapped.tokenCap("chat")).isEmpty();
        assertThat(uncapped).isNotEqualTo(UsageTypes.defaults());
        assertThat(UsageTypes.defaults().toBuilder().tokenCap("chat", 5).build()).isNotEqualTo(UsageTypes.defaults())
                .hasToString("UsageTypes[image_generation=1 (at most 100000 tokens), chat=0.8 (at most 5 tokens),"
                        + " other=0.6 (at most 1000000 tokens)]");
    }

    @Test
    void tokenCapsOutOfRangeOrOfUnknownTypesAreRefused() {
        assertThatThrownBy(() -> UsageTypes.builder().tokenCap("chat", -1))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("the token cap of usage type 'chat' is -1; allowed: 0 to 1000000000000");
        assertThatThrownBy(() -> UsageTypes.builder().tokenCap("chat", EarningsCalculator.MAX_TOKENS_LIMIT + 1))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> UsageTypes.builder().type("chat", "1").tokenCap("chta", 10).build())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("a token cap is set for usage type 'chta', which is not configured; allowed: caps of configured types only");
        assertThat(UsageTypes.builder().type("chat", "1").tokenCap("chat", 0).build().tokenCap("chat")).hasValue(0L);
    }

    @Test
    void mappingUnknownNamesIsKeptAndShown() {
        UsageTypes lenient = UsageTypes.defaults().toBuilder().mapUnknownToOther(true).build();
        assertThat(lenient.mapsUnknownToOther()).isTrue();
        assertThat(lenient.toBuilder().build().mapsUnknownToOther()).isTrue();
        assertThat(lenient.resolve("video")).isEqualTo(new UsageType("other", new java.math.BigDecimal("0.6")));
        assertThat(lenient.resolve("chat").name()).isEqualTo("chat");
        assertThat(lenient).hasToString("UsageTypes[image_generation=1 (at most 100000 tokens), chat=0.8 (at most 2000000 tokens), other=0.6 (at most 1000000 tokens)] (unknown -> other)");
        assertThat(lenient.hashCode()).isNotEqualTo(UsageTypes.defaults().hashCode());
    }

    @Test
    void setsDifferingInAMultiplierAreNotEqual() {
        UsageTypes cheaperChat = UsageTypes.defaults().toBuilder().type("chat", "0.7").build();
        assertThat(cheaperChat).isNotEqualTo(UsageTypes.defaults());
        assertThat(cheaperChat.hashCode()).isNotEqualTo(UsageTypes.defaults().hashCode());
        assertThat(cheaperChat).isNotEqualTo("UsageTypes[image_generation=1, chat=0.7, other=0.6]");
    }

    @Test
    void aTypeNeedsANameAndAMultiplier() {
        assertThatThrownBy(() -> new UsageType(null, java.math.BigDecimal.ONE))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("a usage type needs a name and a multiplier");
        assertThatThrownBy(() -> new UsageType("chat", null))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("a usage type needs a name and a multiplier");
    }

    @Test
    void aMissingNameIsRefusedNamingTheAllowedTypes() {
        assertThatThrownBy(() -> UsageTypes.defaults().resolve(null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("usageType is required; allowed: image_generation, chat, other");
        assertThatThrownBy(() -> UsageTypes.builder().type(null, "1"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("usage type name 'null' is not allowed");
    }

    @Test
    void namesAreLowerCaseIdentifiersOfAtMost64Characters() {
        String longest = "a" + "b_9".repeat(21);
        assertThat(longest).hasSize(64);
        assertThat(UsageTypes.builder().type(longest, "1").build().names()).containsExactly(longest);
        assertThatThrownBy(() -> UsageTypes.builder().type(longest + "c", "1"))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> UsageTypes.builder().type("9lives", "1"))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThat(UsageTypes.builder().type("x", "100").build().resolve("x").multiplier()).isEqualTo("100");
    }
}

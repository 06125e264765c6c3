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
        assertThat(UsageTypes.defaults().toBuilder().build()).isEqualTo(UsageTypes.defaults());
        assertThat(UsageTypes.defaults().toBuilder().mapUnknownToOther(true).build()).isNotEqualTo(UsageTypes.defaults());
        assertThat(UsageTypes.defaults()).hasToString("UsageTypes[image_generation=1, chat=0.8, other=0.6]");
    }
}

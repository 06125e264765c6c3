package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.yaml.snakeyaml.Yaml;

/** The OpenAPI document in the jar describes exactly the endpoints the controller maps. */
class OpenApiDocumentTest {
    @Test
    void everyMappingIsInTheDocument_andNothingElse() throws IOException {
        Set<String> documented = new TreeSet<>();
        try (InputStream in = EarningsController.class.getResourceAsStream("openapi.yaml")) {
            assertThat(in).as("openapi.yaml beside the controller").isNotNull();
            Map<String, Object> document = new Yaml().load(in);
            assertThat(document.get("openapi")).isEqualTo("3.1.0");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
            paths.forEach((path, operations) -> operations.keySet()
                    .forEach(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + path)));
        }

        Set<String> mapped = new TreeSet<>();
        DataSource h2 = TestDatabases.h2();
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsWebAutoConfiguration.class,
                        JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
                        DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class))
                .withBean(DataSource.class, () -> h2).withPropertyValues("earnings.web.enabled=true")
                .run(context -> context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class)
                        .getHandlerMethods().forEach((info, handler) -> {
                            if (handler.getBeanType() == EarningsController.class) {
                                info.getMethodsCondition().getMethods().forEach(method -> info.getPatternValues()
                                        .forEach(path -> mapped.add(method.name() + " " + path)));
                            }
                        }));

        assertThat(mapped).containsExactly("GET /api/creator-analytics", "POST /api/track-model-usage");
        assertThat(documented).isEqualTo(mapped);
    }
}

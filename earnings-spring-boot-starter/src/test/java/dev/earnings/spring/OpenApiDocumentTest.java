package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.yaml.snakeyaml.Yaml;

/** The OpenAPI document in the jar describes exactly the operations the controllers map, with their media types. */
class OpenApiDocumentTest {
    private static final String DOCUMENT = "dev/earnings/spring/openapi.yaml";
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsWebAutoConfiguration.class,
                    JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class))
            .withPropertyValues("earnings.web.enabled=true");

    @Test
    void theDocumentedOperationsAreExactlyTheControllersMappings_withTheirMediaTypes() {
        Map<String, Object> document = document();
        Set<String> documented = new TreeSet<>();
        map(document, "paths").forEach((path, item) -> map(item).forEach((method, operation) -> {
            if (HTTP_METHODS.contains(method)) {
                Map<String, Object> body = map(resolve(document, map(operation).get("requestBody")));
                Map<String, Object> ok = map(resolve(document, map(map(operation), "responses").get("200")));
                documented.add(method.toUpperCase(Locale.ROOT) + " " + path + " consumes " + new TreeSet<>(map(body, "content").keySet())
                        + " produces " + new TreeSet<>(map(ok, "content").keySet()));
            }
        }));

        Set<String> mapped = new TreeSet<>();
        JdbcDataSource h2 = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> h2)
                .run(context -> context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class)
                        .getHandlerMethods().forEach((info, handler) -> {
                            if (handler.getBeanType() == EarningsController.class || handler.getBeanType() == EarningsAdminController.class) {
                                String media = " consumes " + mediaTypes(info.getConsumesCondition().getConsumableMediaTypes())
                                        + " produces " + mediaTypes(info.getProducesCondition().getProducibleMediaTypes());
                                info.getMethodsCondition().getMethods().forEach(method -> info.getPatternValues()
                                        .forEach(path -> mapped.add(method.name() + " " + path + media)));
                            }
                        }));

        assertThat(mapped).as("the controllers' mappings").hasSize(9)
                .contains("POST /api/track-model-usage consumes [application/json] produces [application/json]",
                        "GET /api/admin/audit-log consumes [] produces [application/json]");
        assertThat(documented).isEqualTo(mapped);
    }

    /** A member of the document, following {@code $ref}s within it. */
    private static Object resolve(Map<String, Object> document, Object value) {
        Object at = value;
        while (at instanceof Map<?, ?> m && m.get("$ref") instanceof String ref) {
            at = document;
            for (String token : ref.substring(2).split("/")) {
                String key = token.replace("~1", "/").replace("~0", "~");
                at = at instanceof List<?> items ? items.get(Integer.parseInt(key)) : map(at).get(key);
            }
        }
        return at;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String pointerOrKey) {
        if (!pointerOrKey.startsWith("/")) {
            return map(parent.get(pointerOrKey));
        }
        return map(resolve(parent, Map.of("$ref", "#" + pointerOrKey)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : Map.of();
    }

    private static String mediaTypes(Set<MediaType> types) {
        return types.stream().map(MediaType::toString).collect(Collectors.toCollection(TreeSet::new)).toString();
    }

    private static String documentText() throws IOException {
        try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            assertThat(in).as(DOCUMENT).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, Object> document() {
        try {
            return new Yaml().load(documentText());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

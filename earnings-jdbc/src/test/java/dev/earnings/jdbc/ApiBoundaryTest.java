package dev.earnings.jdbc;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

/**
 * Where the public API ends. Its public classes may use internal ones to do their work, but no
 * public or protected method of the API may take or return an internal type, or hosts would
 * depend on it; and the internal packages of this module own the tables, so nothing in the public
 * package talks to JDBC directly.
 */
class ApiBoundaryTest {
    /**
     * The packages of the API; the webhooks' is public too, and delivers over HTTP, never through
     * tables, and so is the HTTP form of results and refusals.
     */
    private static final String[] PUBLIC_PACKAGES = {"dev.earnings.jdbc", "dev.earnings.jdbc.webhook", "dev.earnings.jdbc.http",
        "dev.earnings.core"};

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.earnings");

    @Test
    void publicMethodsOfTheApi_neitherTakeNorReturnInternalTypes() {
        methods().that().areDeclaredInClassesThat().resideInAnyPackage(PUBLIC_PACKAGES)
                .and().arePublic().or().areProtected()
                .should(new ArchCondition<JavaMethod>("take and return public types only") {
                    @Override
                    public void check(JavaMethod method, ConditionEvents events) {
                        if (!method.getOwner().getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC)) {
                            return;
                        }
                        for (JavaClass type : method.getRawParameterTypes()) {
                            report(method, type, events);
                        }
                        report(method, method.getRawReturnType(), events);
                    }

                    private void report(JavaMethod method, JavaClass type, ConditionEvents events) {
                        if (type.getPackageName().contains(".internal")) {
                            events.add(SimpleConditionEvent.violated(method, method.getFullName() + " exposes " + type.getName()));
                        }
                    }
                })
                .check(CLASSES);
    }

    @Test
    void thePublicPackage_leavesSqlToTheTableOwners() {
        noClasses().that().resideInAnyPackage("dev.earnings.jdbc", "dev.earnings.jdbc.webhook", "dev.earnings.jdbc.http")
                .should().dependOnClassesThat(DescribedPredicate.describe("JDBC statements or JDBI statements",
                        c -> c.getPackageName().equals("java.sql") && !c.getSimpleName().equals("SQLException")
                                || c.getPackageName().equals("org.jdbi.v3.core.statement")))
                .check(CLASSES);
    }

    /**
     * Micrometer and OpenTelemetry are optional: only the implementation made when the host gives a
     * registry (or an OpenTelemetry) uses them, and the builder's option names the type; every other
     * class loads without them (WithoutMetricsOrTracingTest runs the library so).
     */
    @Test
    void micrometerAndOpenTelemetry_areUsedOnlyByTheirImplementationsAndTheBuilderOption() {
        noClasses().that().haveNameNotMatching("dev\\.earnings\\.jdbc\\.internal\\.MicrometerMetrics(\\$.*)?")
                .and().doNotHaveFullyQualifiedName("dev.earnings.jdbc.Earnings$Builder")
                .should().dependOnClassesThat().resideInAPackage("io.micrometer..")
                .check(CLASSES);
        noClasses().that().haveNameNotMatching("dev\\.earnings\\.jdbc\\.internal\\.OpenTelemetryTracing(\\$.*)?")
                .and().doNotHaveFullyQualifiedName("dev.earnings.jdbc.Earnings$Builder")
                .should().dependOnClassesThat().resideInAnyPackage("io.opentelemetry..", "org.jdbi.v3.opentelemetry..")
                .check(CLASSES);
    }
}

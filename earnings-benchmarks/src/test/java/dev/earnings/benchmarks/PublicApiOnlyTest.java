package dev.earnings.benchmarks;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks use the library's public API only: what lives in an {@code internal}
 * package may change in any release, so code that shows hosts how to use the library, or
 * measures what they would get, must not reach into it. The build fails when it does.
 *
 * <p>One exception: the forecast backtest measures the library's own forecasting model, which
 * has no public API yet, so {@link ForecastBacktest} and it alone may call
 * {@code dev.earnings.jdbc.internal.Forecaster}, and nothing else internal.
 */
class PublicApiOnlyTest {
    private static final DescribedPredicate<JavaClass> FORECASTER =
            nameMatching("dev\\.earnings\\.jdbc\\.internal\\.Forecaster(\\$.*)?").forSubtype();

    @Test
    void noClassDependsOnAnInternalPackage() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.earnings.benchmarks");
        noClasses().should().dependOnClassesThat(resideInAPackage("dev.earnings..internal..").and(not(FORECASTER)))
                .because("internal packages are not API")
                .check(classes);
        noClasses().that().haveNameNotMatching("dev\\.earnings\\.benchmarks\\.ForecastBacktest(\\$.*)?")
                .should().dependOnClassesThat(FORECASTER)
                .because("only the backtest of the forecasting model measures it from the inside")
                .check(classes);
    }
}

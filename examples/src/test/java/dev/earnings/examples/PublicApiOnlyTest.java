package dev.earnings.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The examples and the example host application use the library's public API only: what lives in an {@code internal}
 * package may change in any release, so code that shows hosts how to use the library, or
 * measures what they would get, must not reach into it. The build fails when it does.
 */
class PublicApiOnlyTest {
    @Test
    void noClassDependsOnAnInternalPackage() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.earnings.examples");
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.earnings..internal..")
                .because("internal packages are not API")
                .check(classes);
    }
}

// CodeNarc rules for the shared library (vars/ and src/). Rules that fight Jenkins' CPS idioms are off.
ruleset {
    ruleset('rulesets/basic.xml')
    ruleset('rulesets/braces.xml')
    ruleset('rulesets/exceptions.xml')
    ruleset('rulesets/imports.xml')
    ruleset('rulesets/logging.xml')
    ruleset('rulesets/naming.xml') {
        // vars expose call(), wait(), putMetric() etc. by design; PARAMETERS/CLI are script fields.
        exclude 'FactoryMethodName'
        exclude 'FieldName'
        exclude 'VariableName'
    }
    ruleset('rulesets/unnecessary.xml') {
        exclude 'UnnecessaryGString'
        exclude 'UnnecessaryReturnKeyword'
        exclude 'UnnecessaryGetter'
        exclude 'UnnecessarySetter'
    }
    ruleset('rulesets/unused.xml')
    ruleset('rulesets/security.xml') {
        exclude 'JavaIoPackageAccess'
    }
    ruleset('rulesets/serialization.xml')
    ruleset('rulesets/groovyism.xml')
    ruleset('rulesets/size.xml') {
        exclude 'CrapMetric'
        exclude 'AbcMetric'
        exclude 'MethodSize'
    }
}

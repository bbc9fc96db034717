package dev.awsdeploy.pipeline

import com.cloudbees.groovy.cps.NonCPS

/**
 * What a var hands to the plugin's step: the values as the plugin's typed properties take them, read the way the
 * CLI reads its flags (a list from {@code 'a,b'} or a list, a whole number from {@code '60'}, a number from
 * {@code '1.5'}, true/false from text), so {@code alarms: 'HighErrorRate'} or {@code period: '60'} works the same
 * with and without the plugin. A value that cannot be read is bad input, named with its parameter.
 */
class PluginArgs implements Serializable {
    private static final long serialVersionUID = 1L

    /**
     * @param types property name -> 'List', 'Integer', 'Double', 'Boolean' or 'String' (the plugin's property
     *              types, see {@link #types})
     * @return [args: the coerced arguments, problems: what could not be read, one line each]
     */
    @NonCPS
    static Map coerce(Map input, Map<String, String> types) {
        Map out = [args: [:], problems: []]
        input.each { key, value ->
            String name = key as String
            if (value == null) {
                return
            }
            String type = types[name] ?: 'String'
            try {
                out.args[name] = convert(value, type)
            } catch (IllegalArgumentException e) {
                out.problems << "${name} '${value}': ${e.message}".toString()
            }
        }
        return out
    }

    @NonCPS
    private static Object convert(Object value, String type) {
        switch (type) {
            case 'List':
                Collection items = value instanceof Collection ? value as Collection
                        : (value.toString().split(',') as List)
                return items.findAll { it != null && !it.toString().trim().isEmpty() }
                        .collect { it.toString().trim() }
            case 'Integer':
                if (value instanceof Integer) {
                    return value
                }
                String text = value.toString().trim().replaceFirst(/\.0+$/, '')
                if (!(text ==~ /-?\d{1,9}/)) {
                    throw new IllegalArgumentException('is not a whole number; give a whole number, e.g. 60')
                }
                return Integer.valueOf(text)
            case 'Double':
                if (value instanceof Number) {
                    return (value as Number).doubleValue()
                }
                try {
                    double d = Double.parseDouble(value.toString().trim())
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new NumberFormatException()
                    }
                    return d
                } catch (NumberFormatException ignored) {
                    throw new IllegalArgumentException('is not a number; give a number, e.g. 5 or 0.5')
                }
            case 'Boolean':
                if (value instanceof Boolean) {
                    return value
                }
                String flag = value.toString().trim().toLowerCase()
                if (flag == 'true' || flag == 'false') {
                    return flag == 'true'
                }
                throw new IllegalArgumentException('is not true or false; give true or false')
            default:
                return value instanceof Collection ? (value as Collection).join(',') : value.toString()
        }
    }

    /**
     * The plugin step's property types by name, from the structs model Pipeline itself binds the step with (so a
     * property added to the plugin is covered without a change here).
     */
    @NonCPS
    static Map<String, String> types(String stepName) {
        ClassLoader loader = jenkinsClassLoader()
        Class descriptors = loader.loadClass('org.jenkinsci.plugins.workflow.steps.StepDescriptor')
        Object descriptor = descriptors.getMethod('byFunctionName', String).invoke(null, stepName)
        if (descriptor == null) {
            return [:]
        }
        Class models = loader.loadClass('org.jenkinsci.plugins.structs.describable.DescribableModel')
        Object model = models.getMethod('of', Class).invoke(null, descriptor.clazz)
        Map<String, String> types = [:]
        for (Object p : model.parameters) {
            Class type = p.erasedType as Class
            types[p.name as String] = List.isAssignableFrom(type) ? 'List' : type.simpleName
        }
        return types
    }

    @NonCPS
    private static ClassLoader jenkinsClassLoader() {
        Class jenkins = PluginArgs.classLoader.loadClass('jenkins.model.Jenkins')
        Object instance = jenkins.getMethod('get').invoke(null)
        return instance.pluginManager.uberClassLoader as ClassLoader
    }
}

package dev.ludus.config.guard;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.felix.metatype.AD;
import org.osgi.service.metatype.AttributeDefinition;

/** Attribute definitions as Felix Metatype builds them from a bundle's OSGI-INF/metatype XML. */
final class Metatype {

    private Metatype() {
    }

    /** {@code type} as in the XML ("Integer", "Long", "String", "Boolean", "Password"...). */
    static AttributeDefinition ad(String id, String type, String min, String max, String defaultValue, String... options) {
        AD ad = new AD();
        ad.setID(id);
        ad.setName(id);
        ad.setType(type);
        ad.setMin(min);
        ad.setMax(max);
        ad.setRequired(true);
        if (options.length > 0) {
            Map<String, String> o = new LinkedHashMap<>();
            for (String v : options) {
                o.put(v, v);
            }
            ad.setOptions(o);
        }
        if (defaultValue != null) {
            ad.setDefaultValue(defaultValue);
        }
        return new AttributeDefinition() {
            @Override
            public String getName() {
                return ad.getName();
            }

            @Override
            public String getID() {
                return ad.getID();
            }

            @Override
            public String getDescription() {
                return ad.getDescription();
            }

            @Override
            public int getCardinality() {
                return ad.getCardinality();
            }

            @Override
            public int getType() {
                return ad.getType();
            }

            @Override
            public String[] getOptionValues() {
                return ad.getOptionValues();
            }

            @Override
            public String[] getOptionLabels() {
                return ad.getOptionLabels();
            }

            @Override
            public String validate(String value) {
                return ad.validate(value);
            }

            @Override
            public String[] getDefaultValue() {
                return ad.getDefaultValue();
            }
        };
    }

    static SettingRule rule(String id, String type, String min, String max, String defaultValue, String... options) {
        return SettingRule.of(ad(id, type, min, max, defaultValue, options));
    }
}

package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import org.fedsub.examples.cli.ConfigFiles;
import org.fedsub.examples.cli.UsageError;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.Test;

class ConfigFilesTest {

    @Test
    void parseSet_hoconValues_getTheirNaturalTypes() {
        assertEquals(ConfigValueType.NUMBER, ConfigFiles.parseSet("fedsub.rounds=20").value().valueType());
        assertEquals(0.001, ((Number) ConfigFiles.parseSet("fedsub.train.lr = 1e-3").value().unwrapped()).doubleValue());
        assertEquals(ConfigValueType.BOOLEAN, ConfigFiles.parseSet("fedsub.strategy.fedsub.duals=false").value().valueType());
        assertEquals(List.of(64, 64), ConfigFiles.parseSet("fedsub.model.hidden=[64,64]").value().unwrapped());
        assertEquals("fedavg", ConfigFiles.parseSet("fedsub.strategy.name=fedavg").value().unwrapped());
        assertEquals("has spaces", ConfigFiles.parseSet("fedsub.name=\"has spaces\"").value().unwrapped());
    }

    @Test
    void parseSet_valueHoconCannotRead_isAPlainString() {
        assertEquals("fc1.*", ConfigFiles.parseSet("fedsub.strategy.fedsub.layers=fc1.*").value().unwrapped());
        assertEquals("a=b", ConfigFiles.parseSet("fedsub.name=a=b").value().unwrapped());
    }

    @Test
    void parseSet_withoutEqualsOrKey_isAUsageError() {
        assertThrows(UsageError.class, () -> ConfigFiles.parseSet("fedsub.rounds"));
        assertThrows(UsageError.class, () -> ConfigFiles.parseSet("=3"));
    }

    @Test
    void overrides_laterSetWins() {
        Config c = ConfigFiles.overrides(List.of(ConfigFiles.parseSet("fedsub.rounds=2"),
                ConfigFiles.parseSet("fedsub.rounds=5")));
        assertEquals(5, c.getInt("fedsub.rounds"));
    }

    @Test
    void checkKnownKeys_typo_namesTheKeyAndSuggestsTheRightOne() {
        Config user = ConfigFiles.overrides(List.of(ConfigFiles.parseSet("fedsub.train.local-step=5")));
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigFiles.checkKnownKeys(user));
        assertEquals("fedsub.train.local-step", e.path());
        assertTrue(e.getMessage().contains("did you mean fedsub.train.local-steps?"), e.getMessage());
    }

    @Test
    void checkKnownKeys_keyInTheWrongBlock_suggestsWhereItLives() {
        Config user = ConfigFiles.overrides(List.of(ConfigFiles.parseSet("fedsub.lr=0.1")));
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigFiles.checkKnownKeys(user));
        assertTrue(e.getMessage().contains("fedsub.train.lr"), e.getMessage());
    }

    @Test
    void checkKnownKeys_keysOutsideFedsub_areLeftAlone() {
        ConfigFiles.checkKnownKeys(ConfigFiles.overrides(List.of(ConfigFiles.parseSet("pekko.loglevel=INFO"))));
    }
}

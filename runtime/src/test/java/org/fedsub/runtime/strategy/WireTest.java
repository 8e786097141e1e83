package org.fedsub.runtime.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.fedsub.runtime.codec.MalformedPayloadException;
import org.fedsub.runtime.codec.Payload;
import org.fedsub.runtime.codec.RawCodec;
import org.fedsub.runtime.model.Mlp;
import org.fedsub.runtime.model.Model;
import org.fedsub.runtime.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** A client may train in a task's own tensors only when they were decoded for it alone. */
class WireTest {

    private final Model model = new Mlp(List.of(6, 4, 3), DataType.FLOAT);

    @Test
    void aSharedTask_isCopied_andKeepsItsModel() {
        Params global = model.init(1);
        Payload task = Wire.withModel(new Payload(), global); // the server's own arrays
        Params w = Wire.takeModel(task, model);
        w.get("fc1.weight").addi(1);
        assertNotSame(global.get("fc1.weight"), w.get("fc1.weight"));
        assertEquals(model.init(1).get("fc1.weight"), global.get("fc1.weight"), "the server's model is untouched");
        assertTrue(task.has(PayloadKeys.model("fc1.weight")));
    }

    @Test
    void aDecodedTask_handsOverItsTensors_withoutCopies() {
        RawCodec codec = new RawCodec(DataType.FLOAT);
        Payload task = codec.decode(codec.encode(Wire.withModel(new Payload(), model.init(1))), DataType.FLOAT)
                .ownedByReceiver();
        var fc1 = task.tensor(PayloadKeys.model("fc1.weight"));
        Params w = Wire.takeModel(task, model);
        assertSame(fc1, w.get("fc1.weight"));
        for (String n : w.names()) {
            assertEquals(model.init(1).get(n), w.get(n), n);
        }
        assertFalse(task.has(PayloadKeys.model("fc1.weight")), "taken out of the task");
        MalformedPayloadException e = assertThrows(MalformedPayloadException.class, () -> Wire.model(task, model));
        assertTrue(e.getMessage().contains("fc1.weight"), e.getMessage());
    }
}

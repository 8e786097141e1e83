package org.fedsub.actors.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArrivalQueueTest {

    @Test
    void answersLeaveInModelledTimeOrder_notInTheOrderTheyCameBack() {
        ArrivalQueue<String> q = new ArrivalQueue<>();
        q.add(5.0, 1, "late");
        q.add(2.0, 3, "early");
        q.add(2.0, 2, "early, lower id");

        assertEquals("early, lower id", q.poll(List.of(), id -> 0).answer());
        assertEquals("early", q.poll(List.of(), id -> 0).answer());
        assertEquals("late", q.poll(List.of(), id -> 0).answer());
        assertNull(q.poll(List.of(), id -> 0));
    }

    @Test
    void anAnswerWaits_whileAClientStillAtWorkCouldAnswerBeforeIt() {
        ArrivalQueue<String> q = new ArrivalQueue<>();
        q.add(5.0, 1, "held");
        Map<Integer, Double> earliest = Map.of(1, 0.0, 2, 4.0);

        assertNull(q.poll(List.of(1, 2), earliest::get), "client 2 could still answer at 4.0");
        assertTrue(q.holds(1));

        q.add(6.0, 2, "slower");
        assertEquals(1, q.poll(List.of(1, 2), earliest::get).clientId(), "once 2 has answered later, 1 goes");
        assertFalse(q.holds(1));
    }

    @Test
    void aTieWithAWorkingClient_goesToTheLowerId() {
        ArrivalQueue<String> q = new ArrivalQueue<>();
        q.add(3.0, 5, "held");

        assertNull(q.poll(List.of(4), id -> 3.0), "client 4 could answer at the same time and goes first");
        assertEquals(5, q.poll(List.of(6), id -> 3.0).clientId());
    }

    @Test
    void aSecondAnswerOfOneClient_isABug() {
        ArrivalQueue<String> q = new ArrivalQueue<>();
        q.add(1.0, 1, "first");

        assertThrows(IllegalStateException.class, () -> q.add(2.0, 1, "second"));
    }
}

package org.fedsub.runtime.data;

import java.util.List;

/**
 * A dataset split over clients: one shared train and test table and each client's view of it.
 * Evaluation uses the whole test table.
 */
public record FederatedData(String name, Dataset train, Dataset test, List<ClientData> clients) {

    public FederatedData {
        clients = List.copyOf(clients);
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("federated dataset '" + name + "' has no clients");
        }
    }

    public int numClients() {
        return clients.size();
    }

    public ClientData client(int id) {
        return clients.get(id);
    }
}

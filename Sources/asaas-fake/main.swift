print("asaas-fake")

print("billing-server")

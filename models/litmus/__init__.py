MODELS: list = []

/// Online learning on Sluice's columnar batches: models that learn from live
/// features, prequential evaluation, drift detection, retraining policies and
/// a versioned model registry. See the README, "Online learning".
public enum SluiceML {}

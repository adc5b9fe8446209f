# losslab check y check --calibrate, en español. Las claves coinciden una a una con en.ftl
# (tests/i18n.rs). Los informes JSON y JUnit usan siempre en.ftl: los leen otros programas.
# Los nombres de columnas y campos (loss_ratio, status, expected_loss...) y los valores que
# contienen (complete, bernoulli...) son identificadores y no se traducen.

## El informe
check-title = losslab check { $results } { $against }, confianza { $level }
check-against-file = frente a { $file }
check-against-baseline = frente a la referencia { $folder }
check-against-model = frente al modelo de pérdida del escenario
check-col-check = comprobación
check-col-expected = esperado
check-col-measured = medido
check-col-verdict = veredicto
check-verdict-pass = pasa
check-verdict-fail = FALLA
check-verdict-skip = omitida
check-note = nota: { $check }: { $note }
check-family = { $n ->
        [0] no se ejecutó ninguna prueba estadística
        [one] familia de 1 prueba estadística: una ejecución correcta la falla con probabilidad ≤ { $alpha }
       *[other] familia de { $n } pruebas estadísticas con la corrección de Holm: una ejecución correcta falla alguna de ellas con probabilidad ≤ { $alpha } (en conjunto)
    }
check-final-fail = FALLA: { $failed } de { $total } comprobaciones { $failed ->
        [one] falló
       *[other] fallaron
    } ({ $names }); { $passed } { $passed ->
        [one] pasó
       *[other] pasaron
    }, { $skipped } { $skipped ->
        [one] omitida
       *[other] omitidas
    }
check-final-nothing = PASA, pero no se comprobó nada: { $skipped ->
        [one] se omitió la única comprobación
       *[other] se omitieron las { $skipped } comprobaciones
    } (entradas vacías)
check-final-pass = PASA: { $passed } de { $total } comprobaciones { $passed ->
        [one] pasó
       *[other] pasaron
    }, { $skipped } { $skipped ->
        [one] omitida
       *[other] omitidas
    }

## Lo que cada comprobación esperaba y lo que midió
check-name-vs-baseline = { $column } frente a la referencia
check-rule-model = la pérdida del modelo
check-model-unnamed = el del escenario
check-side-one = unilateral
check-side-each-end = unilateral en cada extremo
check-side-two = bilateral
check-side-worse = unilateral: ¿peor?
check-expected-rule = { $rule } ({ $side })
check-expected-model = modelo { $p } ({ $model }), bilateral
check-expected-model-exact = modelo { $p } ({ $model }), prueba exacta bilateral
check-expected-mcnemar = misma pérdida (McNemar exacto emparejado, misma semilla, { $side })
check-expected-welch = misma pérdida (t de Welch sobre medias por lotes, { $side })
check-expected-period-mean = misma longitud media (t de Welch sobre medias por lotes, bilateral)
check-expected-rtt-ratio = cociente { $low }-{ $high }
check-what-first-attempts = primeros intentos
check-what-packets = paquetes
check-what-logical-requests = solicitudes lógicas
check-no-units = sin { $what } (n = 0)
check-no-units-in-one = sin { $what } en una de las carpetas (n = 0)
check-no-requests = ninguna solicitud que contar (n = 0)
check-no-shared = las ejecuciones no comparten ningún primer intento
check-few-periods = menos de 2 periodos de pérdida en una de las carpetas
check-no-loss-periods-file = { $folder } no tiene loss_periods.csv (se escribió antes de que losslab registrara los periodos de pérdida)
check-no-replies-candidate = ninguna respuesta en la candidata
check-no-replies-baseline = ninguna respuesta en la referencia
check-empty-cell = vacío (no definido en estos resultados)
check-status-not-recorded = no consta en summary.json
check-status-stopped = la ejecución se detuvo antes de terminar; sus muestras se quedan cortas
check-spread-one-batch = un solo lote: se supone independencia
check-spread-batches = medias por lotes, { $batches } lotes, factor { $factor }
check-spread-client-rows = medias por lotes sobre las filas de { $clients } clientes (sin fichero por paquete), factor { $factor }
check-spread-no-spread = medias por lotes, { $batches } lotes, sin dispersión
check-measured-proportion = { $ratio } = { $k } de { $n } { $what }, IC { $level } { $low }-{ $high } ({ $spread }), p = { $p }
check-measured-ratio = { $ratio } = { $k } / { $n }, IC { $level } { $low }-{ $high } (medias por lotes, { $batches } lotes), p = { $p }
check-measured-model-exact = { $ratio } = { $k } de { $n } primeros intentos; según el modelo se esperan { $mean } de { $n }, rango central del { $level } { $low }-{ $high } (distribución exacta de la cadena), p = { $p }
check-measured-mcnemar = { $candidate } frente a { $baseline }: de { $shared } primeros intentos compartidos, { $worse } perdidos solo ahora y { $better } solo en la referencia, p = { $p }
check-measured-welch = { $candidate } ({ $candidate_k } de { $candidate_n } primeros intentos) frente a { $baseline } ({ $baseline_k } de { $baseline_n }): t = { $t }, gl = { $df }, p = { $p }
check-measured-period-mean = media { $candidate } ({ $candidate_n } periodos) frente a { $baseline } ({ $baseline_n }): t = { $t }, gl = { $df }, p = { $p }
check-rtt-percentiles-differ = los percentiles de RTT de la candidata son sobre { $candidate } y los de la referencia sobre { $baseline }: repita una de las dos con el ajuste de la otra para comparar lo mismo con lo mismo

## Por qué no se puede comprobar el modelo (errores)
check-err-no-model-tcp = { $file }: un escenario `{ $kind }` no tiene modelo de pérdida con el que comparar: TCP retransmite lo que pierde la red, así que la aplicación ve retardo, nunca pérdida; compruebe sus columnas con --expect FICHERO (p. ej. loss_ratio = 0, rtt_p99_us = "<= 5000") o compare con --baseline CARPETA
check-err-no-expected-loss = { $file }: falta `expected_loss`: estos resultados no tienen modelo de pérdida con el que comparar; dé las expectativas con --expect FICHERO o compare con --baseline CARPETA
check-err-expected-loss-range = { $file }: el campo `expected_loss` vale { $value }, que no es una probabilidad entre 0 y 1
check-err-late-replies = { $file }: `expected_loss` ({ $p }) cuenta solo los paquetes que descarta el servidor, pero { $why }: una respuesta que llega después del tiempo de espera también se pierde (RFC 7680) y ningún modelo predice esa pérdida; dé la pérdida esperada con --expect FICHERO (p. ej. loss_ratio = "0.067 ± 0.01")
check-err-corrupt = { $file }: `expected_loss` ({ $p }) cuenta solo los paquetes que descarta el servidor, pero este escenario además corrompe algunos (scenario.impair.corrupt) y una respuesta corrupta se descarta, así que su solicitud también se pierde; dé la pérdida esperada con --expect FICHERO
check-late-server-delay = el retardo del servidor, { $us } µs
check-late-server-delay-both = el retardo del servidor, 2 × { $us } µs
check-late-server-unbounded = este escenario además las retrasa (scenario.impair.delay) con un jitter { $distribution }, que no tiene cota superior
check-late-link-bandwidth = el enlace simulado tiene un límite de ancho de banda (link.bandwidth_bps = { $bps }) cuya cola no tiene cota superior
check-late-link-delay = los 2 × { $us } µs del enlace simulado
check-late-link-unbounded = el enlace simulado retrasa cada datagrama con un jitter { $distribution } (link.distribution), que no tiene cota superior
check-late-no-timeout = sus respuestas se retrasan ({ $parts }) y summary.json no registra ningún `timeout_us` con el que compararlo
check-late-reaches-timeout = sus respuestas pueden retrasarse hasta { $worst } µs ({ $parts }), lo que alcanza el tiempo de espera de { $timeout } µs

## Al leer una carpeta de resultados (errores)
check-err-no-folder-at = { $folder }: no existe esa carpeta de resultados (ejecute antes `losslab run ESCENARIO --out { $folder }`)
check-err-field = { $file }: campo `{ $field }`: { $error }
check-err-field-missing = { $file }: falta el campo `{ $field }`
check-err-not-number = { $file }: el campo `{ $field }` vale { $value }, que no es un número ni null
check-err-not-string = { $file }: el campo `{ $field }` vale { $value }, que no es una cadena
check-err-variance-factor = { $file }: el campo `loss_variance_factor` vale { $value }; debe ser un número positivo
check-err-delay-negative = { $file }: el campo `{ $field }` y `jitter_us` deben ser ≥ 0
check-err-distribution = { $file }: el campo `{ $field }` es `{ $value }`, no uniform, normal, pareto ni paretonormal
check-err-mode = { $file }: el campo `mode` es `{ $value }`, no `live` ni `sim`
check-err-sim-no-link = { $file }: `mode` es sim pero no hay `link`: el camino simulado no está registrado
check-err-loss-model = { $file }: el campo `{ $field }` es `{ $value }`, no bernoulli, gemodel, state ni pattern
check-err-listed-missing = no se puede leer { $path }: { $file } lo incluye en `files.loss_periods` pero no existe
check-err-cannot-read = no se puede leer { $path }: { $error }
check-err-no-column = { $path }:1: no hay ninguna columna `{ $column }` en la cabecera
check-err-not-count = la columna `{ $column }` vale "{ $cell }", que no es un número entero ≥ 0
check-err-no-such-column = { $file }:1: no hay ninguna columna `{ $column }` en la cabecera (columnas: { $columns })
check-err-no-such-scope = { $file }: no hay ninguna fila con scope `{ $scope }` (scopes: { $scopes })
check-err-period-zero = `0` no es una longitud de periodo de pérdida (un número entero ≥ 1)
check-err-period-client = el cliente { $client } no tiene fila en summary.csv: el fichero es de otra ejecución o está dañado
check-err-not-a-statistic = `{ $column }` no es un estadístico; losslab check siempre comprueba `status`

## La línea de órdenes (errores)
check-err-confidence-flag = debe ser un número entre 0 y 1, p. ej. 0.999
check-err-tolerance-flag = debe ser un número ≥ 0 (1.0 permite un factor de 2 en cualquier sentido)
check-err-needs-baseline = --rtt-tolerance y --two-sided comparan con una referencia: dé también --baseline CARPETA
check-err-no-folder = indique una carpeta de resultados que comprobar (o --calibrate ESCENARIO)

## El fichero de expectativas (errores)
check-err-at-key = { $file }:{ $line }:{ $column }: clave `{ $key }`: { $message }
check-err-read-expect = no se puede leer el fichero de expectativas { $file }: { $error }
check-err-expect-toml = { $file }:{ $line }:{ $column }: no es TOML válido: { $error }
check-expect-help = escriba un intervalo como "0.5 ± 0.02" (o +-, +/-), una cota como "<= 3", ">= 3", "< 3" o "> 3", un número solo para la igualdad, o {"{"} model = true {"}"} para loss_ratio
check-err-expect-confidence = confidence debe ser un número entre 0 y 1, p. ej. 0.999 (una ejecución correcta falla una comprobación con probabilidad 1 - confidence)
check-err-expect-scope = `scope` contiene una tabla por cada fila de cliente, p. ej. [scope."0"] con loss_ratio = "0.5 ± 0.05" debajo
check-err-expect-scope-table = se esperaba una tabla de columna = expectativa
check-err-expect-empty = { $file }: no hay expectativas; añada una línea como loss_ratio = {"{"} model = true {"}"} o rtt_p99_us = "<= 2000"
check-err-expect-not-finite = no es un número finito; { $help }
check-err-expect-inline-table = aquí una tabla en línea solo puede ser {"{"} model = true {"}"}; { $help }
check-err-expect-model-column = {"{"} model = true {"}"} solo vale para loss_ratio: el modelo predice la pérdida; dé a esta columna un intervalo o una cota
check-err-expect-unexpected = valor inesperado; { $help }
check-err-expect-not-number = `{ $text }` no es un número
check-err-expect-rule = "{ $text }": { $why }; { $help }
check-err-expect-negative-tolerance = la tolerancia { $tolerance } es negativa
check-err-expect-not-expectation = no es una expectativa

## losslab check --calibrate
check-cal-title = losslab check --calibrate { $scenario }: { $runs ->
        [one] 1 ejecución simulada
       *[other] { $runs } ejecuciones simuladas
    } (semillas { $first }..={ $last }), { $against }, confianza { $level }{ $shifted }
check-cal-shifted = , candidatas modificadas con { $shift } (pérdida { $from } → { $to })
check-cal-paired = frente a una referencia de la misma semilla (emparejada)
check-cal-unpaired = frente a una referencia nueva por ejecución (semilla + { $offset })
check-cal-baseline-seed = frente a la referencia de semilla { $seed }
check-cal-expect = frente a las expectativas { $file }
check-cal-col-check = comprobación
check-cal-col-false = falsos fallos
check-cal-col-caught = detectados (potencia)
check-cal-col-rate = tasa
check-cal-count = { $k } de { $n }
check-cal-ci = IC 95% { $low }-{ $high }
check-cal-skipped = (omitida en todas las ejecuciones)
check-cal-gate = el control (cualquier comprobación)
check-cal-coverage = el intervalo del 95% de la pérdida en summary.csv contuvo la pérdida del modelo, { $model }, en { $covered } de { $runs } { $runs ->
        [one] ejecución
       *[other] ejecuciones
    } ({ $rate }, IC 95% { $low }-{ $high })
check-cal-fixed-note = nota: cada ejecución se comparó con la única referencia, de semilla { $seed }, cuya propia pérdida fue { $loss } ({ $k } de { $n } primeros intentos; la del modelo es { $model }): las tasas de arriba valen para esa referencia; --unpaired las da sobre referencias nuevas
check-cal-means = media de las ejecuciones (fila all): loss_ratio { $loss }, success_ratio { $success }
check-cal-family = familia de { $n } { $n ->
        [one] prueba estadística
       *[other] pruebas estadísticas
    } por ejecución (Holm): la tasa de falsos fallos del control debería ser como mucho { $alpha }
check-calibration-run = ejecución de calibración con semilla { $seed }
check-removing = al borrar { $path }
check-creating = al crear { $path }
check-err-runs-zero = --runs 0: indique al menos una ejecución
check-err-shift-syntax = --shift "{ $shift }": escriba el cambio como `loss +10%` (o `loss -5%`): la pérdida media del modelo multiplicada por 1.10
check-err-shift-no-model = { $file }: --shift cambia el modelo de pérdida, y este escenario no tiene ninguno
check-err-shift = { $file }: --shift: { $error }
check-shift-not-probability = una pérdida de { $loss } no es una probabilidad menor que el 100%
check-shift-no-parameter = { $model } no tiene ningún parámetro con el que escalar su pérdida
check-shift-unreachable = { $model } no puede alcanzar una pérdida de { $loss } solo con su tasa de entrada

## losslab model explain
model-label-spec = especificación
model-label-model = modelo
model-label-loss = pérdida estacionaria
model-label-burst = longitud media de ráfaga
model-label-netem = netem
model-burst-packets = { $length } paquetes
model-burst-none = ninguna (este modelo no pierde nada)
model-netem-pattern = netem no tiene pérdida determinista; el patrón { $pattern } pierde la misma proporción

# losslab report: report.md, los títulos, ejes y leyendas de las figuras y los errores del informe.
# Las claves coinciden una a una con i18n/report/en.ftl (tests/i18n.rs). Los números que llegan
# como números eligen la forma plural; semillas, duraciones y números ya formateados llegan como
# texto. Las marcas de markdown que no son palabras (#, `, |) se quedan en el código.

## Consola y errores
report-written = informe: { $dir }/report.md ({ $figures ->
        [one] 1 figura
       *[other] { $figures } figuras
    })
report-written-short = informe: { $dir }/report.md
report-err-no-folder = indique al menos una carpeta de resultados
report-err-compare-needs-out = para comparar { $n } carpetas de resultados hace falta --out DIR (dónde escribir la comparación)
report-err-window-zero = --window debe ser de al menos 1 paquete
report-err-window-too-long = --window { $window } es más largo que los { $first } primeros intentos de { $dir }; use como máximo { $first }
report-err-not-a-folder = { $dir } no es una carpeta de resultados (créela con `losslab run`)
report-err-rows-mismatch = { $file } tiene { $rows } filas, pero { $summary } dice que se enviaron { $sent } paquetes: la carpeta está incompleta o mezcla dos ejecuciones
report-err-draw = no se puede dibujar la figura: { $error }

## report.md de una ejecución: la tabla de datos
report-fact-scenario-file = fichero de escenario
report-scenario-builtin = `{ $file }` (el escenario por defecto, incluido en el programa)
report-fact-seed = semilla
report-fact-server = servidor
report-fact-clients = clientes
report-fact-model = modelo
report-fact-impairments = alteraciones
report-fact-expects = el modelo espera
report-fact-run = ejecución
report-expects-packets = { $percent } de los paquetes
report-expects-period = periodo de pérdida medio de { $mean } paquetes
report-clients-count = { $clients } × { $requests ->
        [one] 1 solicitud
       *[other] { $requests } solicitudes
    }
report-pacing-interval = una cada { $interval } por cliente (bucle abierto)
report-pacing-rate = { $rate } solicitudes/s en total (bucle abierto)
report-pacing-concurrency = { $outstanding ->
        [one] 1 pendiente
       *[other] { $outstanding } pendientes
    } por cliente (bucle cerrado)
report-clients-timeout = tiempo de espera { $timeout }
report-clients-retries = { $retries ->
        [one] 1 reintento
       *[other] { $retries } reintentos
    }
report-clients-backoff = { $backoff ->
        [none] sin espera
       *[other] espera { $backoff }
    }
report-model-none = ninguno: no se altera nada
report-model-link = enlace: { $link }
report-model-server-link = servidor: { $server }; enlace: { $link }
# $status es el `status` de summary.json: complete o interrupted.
report-run-status = { $status ->
        [complete] completa
        [interrupted] interrumpida
       *[other] { $status }
    }
# $mode es el `mode` de summary.json: live o sim.
report-run-mode = { $mode ->
        [live] ejecución real
        [sim] ejecución simulada
       *[other] ejecución { $mode }
    }
report-run-took = duró { $duration }
report-run-took-simulated = duró { $duration } de tiempo simulado
report-interrupted = **Esta ejecución se interrumpió**: las figuras cubren lo medido antes de la parada.

## report.md: títulos de sección
report-h-summary = Resumen
report-h-figures = Figuras
report-h-reproduce = Cómo reproducirlo
report-h-what-differs = En qué se diferencian

## report.md: las columnas de la tabla de resumen (los nombres de summary.csv se quedan en el CSV)
report-col-client = cliente
report-col-sent = enviados
report-col-replies = respuestas
report-col-lost = perdidos
report-col-loss = pérdida
report-col-loss-ci = IC 95% pérdida
report-col-rtt = RTT { $q ->
        [max] máx
       *[other] { $q }
    } ({ $unit })
report-col-late = tardías
report-col-duplicates = duplicadas
report-col-stray = inesperadas
report-col-corrupted = corruptas
report-col-interrupted = interrumpidas
report-col-errors = errores
report-col-loss-periods = periodos de pérdida
report-col-mean-loss-period = periodo de pérdida medio
report-col-jitter = jitter ({ $unit })
report-col-success = éxito
report-col-attempts-per-success = intentos / éxito
report-col-tts-p99 = tiempo hasta el éxito p99 ({ $unit })
report-summary-notes = De `summary.csv`: una fila por cliente y `all`. Un paquete se pierde cuando no llega respuesta dentro del tiempo de espera (RFC 7680); el intervalo es un intervalo de confianza del 95% por medias de lotes (los paquetes de cada cliente se cortan en lotes por número de secuencia, así que las ráfagas y los reintentos lo ensanchan tanto como variaron; intervalo de Wilson con la t de Student)
# $over es el `rtt_percentiles` de summary.json: replies o lost-infinite.
report-summary-percentiles = ; percentiles de RTT sobre { $over ->
        [replies] las respuestas
        [lost-infinite] todos los paquetes (un paquete perdido cuenta como RTT infinito)
       *[other] { $over }
    }
report-summary-zero-counters = . Se omiten los contadores que valen cero en todas las filas.

## report.md: las figuras de una ejecución
report-fig-rtt-histogram = Distribución del RTT
report-fig-rtt-cdf = Distribución acumulada del RTT
report-fig-loss-over-time = Pérdida a lo largo del tiempo
report-fig-loss-periods = Periodos de pérdida (longitud de las ráfagas)
report-fig-rtt-per-client = RTT por cliente
report-fig-attempts = Intentos por solicitud
report-skip-no-rows = Esta ejecución no guardó filas por paquete (`summary.json` no incluye `requests.csv`: `[output] requests_csv = false` o `run --no-requests-csv`), así que se omiten las figuras que salen de ellas (distribución del RTT, CDF y por cliente, pérdida a lo largo del tiempo); la tabla de arriba sale de `summary.csv`.
report-skip-no-rtt = Ningún paquete recibió respuesta a tiempo, así que no hay RTT que dibujar (histograma, CDF, por cliente).
report-skip-no-periods-file = Tampoco hay un `loss_periods.csv`, así que no hay periodos de pérdida que dibujar.
report-skip-no-periods = No se perdió ningún primer intento, así que no hay periodos de pérdida que dibujar.
report-rtt-histogram-text = Cómo se reparten los tiempos de ida y vuelta de { $replies ->
        [one] la única respuesta
       *[other] las { $replies } respuestas
    } (RFC 2681): la mitad tardó como máximo { $p50 }, el 99% como máximo { $p99 }.
report-rtt-histogram-late = { " " }{ $late ->
        [one] 1 respuesta llegó
       *[other] { $late } respuestas llegaron
    } después del tiempo de espera de { $timeout }: se dibujan encima y cuentan como perdidas (RFC 7680).
report-rtt-cdf-text = Para cada tiempo de ida y vuelta x, la fracción de respuestas que volvieron en x o menos; los puntos marcan la mediana ({ $p50 }) y el percentil 99 ({ $p99 }). Aquí no se incluyen los paquetes perdidos.
report-loss-time-text = La fracción de primeros intentos perdidos entre { $window ->
        [one] el último enviado
       *[other] los últimos { $window } enviados
    }, a lo largo de la ejecución
report-loss-time-retries = { " " }(se omiten los reintentos: cada uno sigue a una pérdida, así que no son una muestra aleatoria de los paquetes)
report-loss-time-whole = . En toda la ejecución, primeros intentos perdidos: { $lost } de { $first } ({ $percent }%)
report-loss-time-band = ; el modelo espera un { $expected }%, y según el modelo una ventana queda dentro de la banda gris el 95% del tiempo (aproximación normal
report-loss-time-independent = ; las pérdidas del modelo son independientes).
report-loss-time-widened = , ensanchada { $widen }x por las ráfagas del modelo: su factor de varianza es { $factor }).
report-loss-time-pattern = ; el patrón pierde el { $expected }% de los paquetes, siempre los mismos y en el mismo orden, así que no hay azar ni banda que dibujar.
report-loss-time-expected = ; el modelo espera un { $expected }%.
report-loss-time-no-model = ; el escenario no tiene modelo de pérdida.
report-loss-time-none-lost = { " " }No se perdió ningún primer intento: la línea se queda en 0.
report-periods-source-requests = los primeros intentos de `requests.csv`, por cliente en orden de seq
report-periods-text = Cuántos primeros intentos consecutivos se perdieron cada vez (periodos de pérdida del RFC 3357, a partir de { $source }): { $periods ->
        [one] 1 periodo
       *[other] { $periods } periodos
    }, longitud media { $mean }
report-periods-geometric = , frente a la distribución geométrica con la media del modelo, { $mean }, que es lo que este modelo predice (las pérdidas independientes dan periodos cortos; un modelo a ráfagas da una cola más larga).
# $kind: bernoulli, gilbert-both (Gilbert-Elliott en ambos sentidos), gilbert-general
# (Gilbert-Elliott con 1-h < 1 o 1-k > 0), four-state, pattern, other.
report-periods-reference = , frente a una distribución geométrica con la media del modelo, { $mean }, solo como referencia: con { $kind ->
        [bernoulli] pérdida de Bernoulli
        [gilbert-both] pérdida de Gilbert-Elliott en ambos sentidos
        [gilbert-general] Gilbert-Elliott con 1-h < 1 o 1-k > 0
        [four-state] el modelo de 4 estados
        [pattern] un patrón fijo
       *[other] la pérdida de este escenario
    } los periodos de pérdida no son geométricos, así que solo la media es una predicción, no la forma.
report-periods-no-mean = ; el modelo del escenario no predice ninguna media con la que comparar.
report-rtt-per-client-text = Los tiempos de ida y vuelta de cada cliente, uno junto a otro ({ $clients ->
        [one] 1 cliente
       *[other] { $clients } clientes
    }): la caja abarca la mitad central, la barra blanca es la mediana, los bigotes llegan a los percentiles 1 y 99 y el punto es la respuesta más lenta.
report-attempts-source-requests = los números de intento de `requests.csv`
report-attempts-text = Cuántas transmisiones necesitó cada solicitud lógica (a partir de { $source }): { $first ->
        [one] 1 de { $requests } recibió
       *[other] { $first } de { $requests } recibieron
    } respuesta al primer intento; sin respuesta en ningún intento: { $failed }.
report-order-gaps = { $gaps ->
        [one] 1 primer intento no tiene
       *[other] { $gaps } primeros intentos no tienen
    } fila en `requests.csv`; cada hueco cierra un periodo de pérdida.
report-window-note = Las ventanas de la pérdida a lo largo del tiempo contienen al menos { $window ->
        [one] 1 primer intento
       *[other] { $window } primeros intentos
    } cada una (`--window` lo cambia).
report-reproduce-single = La primera orden repite el experimento en `{ $dir }/` y escribe este informe junto a él; la segunda vuelve a dibujar el informe solo a partir de los ficheros CSV.
report-reproduce-sim = Esta es una ejecución simulada: la semilla fija qué paquetes se pierden y cada retardo simulado, así que la repetición da los mismos ficheros, RTT incluidos, byte a byte.
report-reproduce-live = La semilla fija qué paquetes descarta el servidor; los RTT son los de la máquina y cambian de una ejecución a otra.

## report.md que compara ejecuciones
report-compare-title = Comparación de { $runs } ejecuciones
report-run-label-seed = { $letter }: { $name } semilla { $seed }
report-row-folder = carpeta
report-row-scenario = escenario
report-row-lost = perdidos (tiempos agotados)
report-row-expected-loss = pérdida esperada
report-row-rtt = RTT { $q ->
        [max] máx
       *[other] { $q }
    }
report-row-answered = solicitudes respondidas
report-fig-compare-cdf = Distribuciones acumuladas del RTT
report-fig-compare-loss = Pérdida por ejecución
report-compare-cdf-text = Para cada tiempo de ida y vuelta x, la fracción de todos los paquetes de cada ejecución que recibieron respuesta en x o menos; un paquete perdido nunca la recibe (RFC 2681: su RTT es infinito), así que la curva de una ejecución con pérdidas se estanca por debajo del 100%, y una ejecución que oculta la pérdida como retardo llega al 100% más a la derecha.
report-compare-cdf-not-drawn = { " " }Sin dibujar: { $runs } (sin filas por paquete).
report-compare-loss-text = La tasa de pérdida medida de cada ejecución con su intervalo del 95% (medias por lotes: las ráfagas lo ensanchan tanto como variaron) y la pérdida que espera su modelo: dos ejecuciones cuyos intervalos no se solapan difieren más de lo que explica el azar.
report-obs-run = { $run } perdió el { $loss } de sus paquetes; la mitad de sus respuestas tardó como máximo { $p50 }.
report-obs-no-replies = – (sin respuestas)
report-obs-tcp = TCP convierte la pérdida en retardo: sobre UDP la aplicación ve cada pérdida ({ $udp } perdió el { $loss }{ $expects }, y solo un tiempo agotado lo indicó), mientras que TCP nunca informa de un segmento perdido: su pila lo retransmite y la aplicación simplemente espera más
report-obs-tcp-expects = { " " }frente al { $expected } que espera el modelo
report-obs-tcp-link = . Ambas atravesaron un enlace con pérdidas. El enlace descartó { $dropped } de los { $packets } paquetes TCP de { $tcp }, y aun así { $tcp } perdió el { $loss } de sus solicitudes; el precio es el tiempo: la mitad de sus respuestas tardó como máximo { $p50 }, pero el 10% tardó más de { $p90 } y el 1% más de { $p99 }. Cada escalón de su curva de RTT es un tiempo de espera de retransmisión (RFC 6298; { $rto }), que se duplica con cada nueva pérdida del mismo segmento.
report-obs-rto-sim = el de smoltcp en el simulador empieza en 1 s
report-obs-rto-linux = el de Linux empieza cerca de 200 ms, 1 s para un SYN
report-obs-tcp-loopback = . El loopback no pierde nada, así que aquí el tiempo extra de { $tcp } es el establecimiento de la conexión en cada ida y vuelta ({ $tcp_p50 } frente a { $udp_p50 } en la mediana).
report-obs-retried-run = { $run } acabó respondiendo el { $success } de sus solicitudes, con { $attempts } intentos por éxito y el 99% de los éxitos en { $p99 } o menos
report-obs-retries = Con reintentos: { $runs }. La pérdida de paquetes cuenta todos los intentos; una solicitud tiene éxito cuando cualquiera de sus intentos recibe respuesta.
report-reproduce-compare = Cada `losslab run` escribe `results/<nombre del escenario>/` salvo que `--out` indique otra carpeta; la semilla fija qué paquetes se descartan.
report-reproduce-compare-sim = Todas estas ejecuciones son simuladas, así que las repeticiones dan también los mismos RTT.
report-reproduce-compare-live = Los RTT son los de la máquina y cambian de una ejecución a otra.
report-reproduce-compare-mixed = Los RTT de las ejecuciones reales son los de la máquina y cambian de una ejecución a otra; los de las simuladas (`--sim`) salen iguales.

## Figuras: títulos, ejes y leyendas
report-title-rtt-histogram = Distribución del RTT ({ $replies ->
        [one] 1 respuesta
       *[other] { $replies } respuestas
    })
report-title-rtt-cdf = Distribución acumulada del RTT ({ $replies ->
        [one] 1 respuesta
       *[other] { $replies } respuestas
    })
report-title-loss-over-time = Pérdida a lo largo del tiempo (ventanas de { $window ->
        [one] 1 primer intento
       *[other] { $window } primeros intentos
    })
report-title-loss-periods = Periodos de pérdida: rachas de primeros intentos perdidos consecutivos
report-title-rtt-per-client = RTT por cliente ({ $clients ->
        [one] 1 cliente
       *[other] { $clients } clientes
    })
report-title-attempts = Intentos por solicitud ({ $requests ->
        [one] 1 solicitud lógica
       *[other] { $requests } solicitudes lógicas
    })
report-title-compare-cdf = Distribución acumulada del RTT; los paquetes perdidos nunca llegan
report-title-compare-loss = Pérdida de paquetes por ejecución
report-axis-rtt = tiempo de ida y vuelta
report-axis-log = { $what } ({ $unit }, escala logarítmica)
report-axis-packets = paquetes
report-axis-packets-per-decade = paquetes por 1/{ $bins } de década
report-axis-share-replies = fracción de respuestas con RTT ≤ x
report-axis-share-packets = fracción de paquetes respondidos en x o menos
report-axis-time-since-start = tiempo desde el inicio de la ejecución (s)
report-axis-loss-window = tasa de pérdida, { $window ->
        [one] último primer intento
       *[other] últimos { $window } primeros intentos
    }
report-axis-period-length = longitud del periodo de pérdida (paquetes perdidos consecutivos)
report-axis-periods = periodos de pérdida
report-axis-client = cliente
report-axis-attempt = intento que obtuvo la respuesta (1 = primera transmisión)
report-axis-logical-requests = solicitudes lógicas
report-axis-never = nunca
report-axis-run = ejecución
report-axis-loss-ratio = tasa de pérdida (perdidos / respondidos + perdidos)
report-legend-in-time = respuestas dentro del tiempo de espera
report-legend-late = respuestas tardías (cuentan como perdidas)
report-legend-timeout = tiempo de espera Tmax = { $timeout }
report-legend-all-clients = todos los clientes
report-legend-median = mediana (p50) = { $value }
report-legend-measured-first = medida, primeros intentos
report-legend-expected-loss-value = pérdida que espera el modelo: { $expected }%
report-legend-band = rango del 95% según el modelo
report-legend-periods-measured = medidos: { $periods ->
        [one] 1 periodo
       *[other] { $periods } periodos
    }, media { $mean }
report-legend-periods-model = modelo: geométrica de media { $mean }
report-legend-periods-reference = solo como referencia: geométrica con la media del modelo, { $mean }
report-legend-box = caja: de p25 a p75
report-legend-box-median = mediana
report-legend-whiskers = bigotes: de p1 a p99
report-legend-slowest = respuesta más lenta
report-legend-answered-at = respondidas en este intento
report-legend-never-answered = nunca respondidas (se perdieron todos los intentos)
report-legend-run-lost = { $run } (pérdida { $loss }%)
report-legend-measured = medida
report-legend-interval = intervalo del 95% (medias por lotes)
report-legend-expected-loss = pérdida que espera el modelo

## El informe de una carpeta de barrido (sweep.csv)
report-sweep-err-not-sweep = { $file }:1: no es un sweep.csv (debe empezar por point, los parámetros, seed)
report-sweep-err-no-all = { $file }: no hay filas `all`; nada que dibujar
report-sweep-title = Informe del barrido: { $dir }
report-sweep-intro = { $runs ->
        [one] 1 ejecución
       *[other] { $runs } ejecuciones
    } (filas `all` de `sweep.csv`). Cada figura dibuja una métrica frente a un parámetro barrido, con una línea por cada combinación de los demás: la media sobre las semillas y, como banda, su intervalo t de Student del 95% (media ± t·s/√n; supone que los valores de las semillas son independientes y que su media es aproximadamente normal; sin banda con una sola semilla). Las celdas `inf` y vacías no entran en la media.
report-sweep-col-parameter = parámetro
report-sweep-col-values = valores
report-sweep-col-line = línea
report-sweep-all = todas
report-sweep-all-points = todos los puntos
report-sweep-metric-loss = pérdida de paquetes
report-sweep-metric-success = éxito tras los reintentos
report-sweep-metric-attempts = intentos por éxito
report-sweep-metric-rtt-p50 = mediana del RTT
report-sweep-metric-tts-p99 = percentil 99 del tiempo hasta el éxito
report-sweep-against = { $metric } frente a { $param }
report-sweep-axis-mean = { $metric } (media sobre las semillas, intervalo del 95%)
report-sweep-no-params = El barrido no tiene parámetros barridos (solo semillas): no hay nada frente a lo que dibujar.
report-sweep-written-by = Escrito por losslab report a partir de sweep.csv.
